#!/usr/bin/env python3
"""The README's tour through a client generated from the served OpenAPI document
(openapi-python-client): the document is proven usable, not only valid. Typed throughout: the
codes are the generated enums, the answers the generated models.

usage: client_tour.py BASE_URL CREDENTIALS_FILE   (the generated package on PYTHONPATH)

Admin: a district, an organisation, a case manager; demo.mobile files a signal; demo.intake
lists the district's signals and finds it.
"""

import sys
import uuid

from qorgau_api_client import AuthenticatedClient, Client
from qorgau_api_client.api.auth import get_me, login
from qorgau_api_client.api.geography import add_district
from qorgau_api_client.api.organisations import create_organisation
from qorgau_api_client.api.signals import file_signal, list_signals
from qorgau_api_client.api.users import create_user
from qorgau_api_client.models import (
    ChildInput,
    LocalizedName,
    LoginRequest,
    NewDistrict,
    NewOrganisation,
    NewUser,
    OrganisationKind,
    ReporterInput,
    RiskLevel,
    Role,
    SignalInput,
    SignalSource,
    SignalStatus,
    SignalView,
    TokenPair,
    UserView,
)
from qorgau_api_client.models import Concern, OrganisationView


def signed_in(base, username, password):
    tokens = login.sync(client=Client(base_url=base), body=LoginRequest(username=username, password=password))
    assert isinstance(tokens, TokenPair), f"login {username}: {tokens}"
    return AuthenticatedClient(base_url=base, token=tokens.access_token)


def main():
    base, credentials_file = sys.argv[1], sys.argv[2]
    with open(credentials_file, encoding="utf-8") as f:
        credentials = dict(line.split()[:2] for line in f if line.strip())
    admin = signed_in(base, "admin", credentials["admin"])
    tag = uuid.uuid4().hex[:6].upper()

    district = f"KZ-71-T{tag[:5]}"
    answer = add_district.sync_detailed(
        code="KZ-71", client=admin,
        body=NewDistrict(code=district, name=LocalizedName(kk="Тур", ru="Тур", en="Tour")))
    assert answer.status_code == 201, answer.content
    organisation = create_organisation.sync(client=admin, body=NewOrganisation(
        name=f"Tour department {tag}", kind=OrganisationKind.CHILD_RIGHTS_DEPARTMENT,
        region_code="KZ-71"))
    assert isinstance(organisation, OrganisationView), organisation
    user = create_user.sync(client=admin, body=NewUser(
        username=f"tour.{tag.lower()}", full_name="Айгерім Сәрсенова", password="a long passphrase",
        role=Role.CASE_MANAGER, organisation_id=organisation.id))
    assert isinstance(user, UserView) and user.role is Role.CASE_MANAGER, user
    manager = signed_in(base, user.username, "a long passphrase")
    me = get_me.sync(client=manager)
    assert isinstance(me, UserView) and me.id == user.id, me

    mobile = signed_in(base, "demo.mobile", credentials["demo.mobile"])
    signal = file_signal.sync(client=mobile, body=SignalInput(
        source=SignalSource.MOBILE_GROUP, concerns=[Concern.NEGLECT], urgency=RiskLevel.HIGH,
        description="A child left alone for days, the neighbours say.",
        region_code="KZ-71", district_code="KZ-71-01", external_ref=f"tour-{tag}",
        child=ChildInput(last_name="Турова", first_name="Айша", sex="female"),
        reporter=ReporterInput(relation="neighbour", anonymous=True)))
    assert isinstance(signal, SignalView), signal
    assert signal.status is SignalStatus.RECEIVED and signal.source is SignalSource.MOBILE_GROUP

    intake = signed_in(base, "demo.intake", credentials["demo.intake"])
    found = False
    cursor = None
    while not found:
        page = list_signals.sync(client=intake, status=SignalStatus.RECEIVED, limit=100,
                                 **({"cursor": cursor} if cursor else {}))
        found = any(s.id == signal.id for s in page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    assert found, "the filed signal is not in the intake coordinator's queue"
    print(f"client tour: district {district}, organisation, user {user.username}, signal {signal.id} "
          "filed and found in the queue: PASS")


if __name__ == "__main__":
    main()
