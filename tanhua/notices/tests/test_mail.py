"""Notices by mail through a real local SMTP server (aiosmtpd): after commit, once per event,
nothing when the transaction rolls back, and a failing server never fails the request."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from tanhua.core.testing import build_world
from tanhua.notices import mail
from tanhua.notices.models import Notice
from tanhua.notices.services import notify


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.TANHUA_NOTICE_MAIL = True
    settings.TANHUA_SITE_URL = "https://tanhua.example"
    yield inbox
    controller.stop()


def _wait(inbox, n, timeout=3.0):
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return inbox.messages


@pytest.fixture
def user(db):
    u = build_world().users["talker_c1"]
    u.email = "talker@example.gov"
    u.save()
    return u


def _tell(user, key="talk:1:schedule:2"):
    return notify(recipients=[user], event_key=key, kind="talk.schedule", title="谈话安排已调整")


@pytest.mark.django_db(transaction=True)
def test_one_mail_per_event_even_when_notify_is_called_twice(smtp, user):
    _tell(user)
    _tell(user)
    messages = _wait(smtp, 1)
    time.sleep(0.2)
    assert len(messages) == 1
    raw = messages[0].content.decode()
    assert messages[0].rcpt_tos == ["talker@example.gov"]
    assert "=E3=80=90" in raw or "【谈话系统】" in raw or "utf-8" in raw.lower()
    notice = Notice.objects.get(recipient=user)
    assert notice.emailed_at is not None and notice.mail_error == ""


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(smtp, user):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        _tell(user)
        raise Boom
    time.sleep(0.3)
    assert smtp.messages == [] and not Notice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_senders_of_the_same_notice_send_it_once(smtp, user):
    made = _tell(user, "talk:1:move:3")
    ids = [n.pk for n in made]
    # Delivered after commit already; a second sender (a retry) finds it claimed.
    assert mail.send_pending(ids) == 0
    assert len(_wait(smtp, 1)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_server_is_recorded_and_the_request_survives(settings, user):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 1
    settings.TANHUA_NOTICE_MAIL = True
    made = _tell(user)
    notice = Notice.objects.get(pk=made[0].pk)
    assert notice.emailed_at is None and "ConnectionRefused" in notice.mail_error


@pytest.mark.django_db(transaction=True)
def test_without_smtp_configured_no_mail_is_attempted(settings, user, mailoutbox):
    settings.TANHUA_NOTICE_MAIL = False
    _tell(user)
    assert mailoutbox == [] and Notice.objects.get(recipient=user).emailed_at is None
