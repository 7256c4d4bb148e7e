"""The registry's write path: rules that hold for pages, API and imports alike."""

import pytest
from django.core.exceptions import ValidationError

from tanhua.core.classification import Classification
from tanhua.org import services
from tanhua.org.models import Cadre

pytestmark = pytest.mark.django_db


def test_an_editor_cannot_classify_a_cadre_above_their_own_clearance(owner, world):
    # owner holds 秘密 clearance (the world's default for staff).
    with pytest.raises(ValidationError, match="机密"):
        services.update_cadre(
            actor=owner, cadre=world.cadres["GK11"], classification=Classification.CONFIDENTIAL
        )
    assert Cadre.objects.unscoped("test").get(code="GK11").classification == Classification.INTERNAL


def test_an_editor_may_classify_a_cadre_up_to_their_own_clearance(owner, world):
    cadre = services.update_cadre(
        actor=owner, cadre=world.cadres["GK11"], classification=Classification.SECRET
    )
    assert cadre.classification == Classification.SECRET


def test_a_new_cadre_cannot_be_created_above_the_creators_clearance(owner):
    with pytest.raises(ValidationError):
        services.create_cadre(
            actor=owner,
            code="GNEW",
            name="新干部",
            tier="county",
            classification=Classification.CONFIDENTIAL,
        )
    assert not Cadre.objects.unscoped("test").filter(code="GNEW").exists()


def test_the_command_line_operator_may_set_any_classification(world):
    cadre = services.update_cadre(
        actor=None, cadre=world.cadres["GK11"], classification=Classification.CONFIDENTIAL
    )
    assert cadre.classification == Classification.CONFIDENTIAL
