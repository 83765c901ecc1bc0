"""The store's shape: five parts behind one lock, reached only through their methods, handing out copies."""

import re
from pathlib import Path

import tokenlab
from tokenlab import client, decode_unverified
from tokenlab.provider.device import normalize_user_code

from .conftest import WEB

SRC = Path(tokenlab.__file__).parent
STORE = SRC / "provider" / "store"
FIELDS = (
    "pages|consents|sessions|codes|used_codes|used_code_expiry|grants|access|opaque|refresh|revoked_jtis|devices|user_codes|keys|ids"
    "|events|labels"
)
# ``store.lock``, ``store._anything``, or a part's dictionary (``store.tokens.access``), not a method call on it
REACHING_IN = re.compile(rf"\bstore\.(lock\b|_\w+|\w+\.(?:{FIELDS})\b(?!\s*\())")


def test_no_module_outside_the_store_takes_its_lock_or_touches_its_dictionaries():
    modules = [p for p in SRC.rglob("*.py") if STORE not in p.parents]
    assert len(modules) > 40, "the scan found too few modules to mean anything"
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if REACHING_IN.search(line)
    ]
    assert found == [], "use the store's methods (they take the lock and hand out copies):\n" + "\n".join(found)


def test_the_pattern_catches_what_the_old_callers_did():
    assert REACHING_IN.search("    with app.store.lock:")
    assert REACHING_IN.search("record = app.store.tokens.access.get(jti)")
    assert REACHING_IN.search("return list(self.app.store.events.events)")
    assert not REACHING_IN.search("record = app.store.tokens.access_record(jti)")
    assert not REACHING_IN.search("return self.app.store.events.all()")


def test_every_part_of_the_store_shares_its_one_lock(op):
    store = op.store
    parts = (store.logins, store.tokens, store.devices, store.api_keys, store.events)
    assert all(part.lock is store.lock for part in parts)


def test_a_refresh_record_handed_out_is_a_copy_so_changing_it_changes_nothing(op):
    tokens = op.mint(WEB[0], "alice", scope="orders:read")
    record = op.store.tokens.refresh_record(tokens["refresh_token"])
    assert record is not None and record.used is False
    record.used = True
    record.expires_at = 0
    assert op.store.tokens.live_refresh(tokens["refresh_token"], op.clock.timestamp()) is not None


def test_an_access_record_handed_out_is_a_copy_so_changing_it_changes_nothing(op):
    tokens = op.mint(WEB[0], "alice", scope="orders:read")
    now = op.clock.timestamp()
    jti = decode_unverified(tokens["access_token"]).claims["jti"]
    for record in (op.store.tokens.access_active(jti, now), op.store.tokens.access_record(jti)):
        record.expires_at = 0
    assert op.store.tokens.access_active(jti, now) is not None


def test_a_grant_handed_out_is_a_copy_so_it_cannot_be_unrevoked_from_outside(op):
    tokens = op.mint(WEB[0], "alice", scope="orders:read")
    grant_id = op.store.tokens.refresh_record(tokens["refresh_token"]).grant_id
    op.store.tokens.revoke_grant(grant_id, "test")
    for grant in op.store.tokens.all_grants():
        grant.revoked = False
    assert op.store.tokens.grant_alive(grant_id) is False


def test_a_device_authorization_handed_out_is_a_copy_so_it_cannot_be_approved_from_outside(op):
    codes = client.start_device_flow(client.discover(op.issuer), client_id="tv-app", scope="openid")
    record = op.store.devices.by_user_code(normalize_user_code(codes["user_code"]))
    record.status = "approved"
    assert op.store.devices.by_device_code(codes["device_code"]).status == "pending"


def test_counts_say_how_many_records_of_each_kind_the_store_holds(op):
    before = op.store.counts()
    op.mint(WEB[0], "alice", scope="orders:read")
    after = op.store.counts()
    grown = {kind for kind in after if after[kind] != before[kind]}
    assert grown == {"grants", "access", "refresh", "events", "labels"}
    assert after["grants"] == before["grants"] + 1 and after["labels"] == before["labels"] + 2
