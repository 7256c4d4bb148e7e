"""The write paths of talks, one module per concept: `plan` (creating talks by rule and by
hand), `schedule` (time, place, recorder, 陪谈, moves), `outline` (draft, approve), `record`
(live record, confirmation, sealing, addenda), `state` (the status a talk's facts give it)."""
