"""Authentication is relayed untouched: each pg_hba method, with the right and a wrong
password."""

import psycopg
import pytest
from harness import AUTH_ROLES, PASSWORD


@pytest.mark.parametrize("role", sorted(AUTH_ROLES))
def test_auth_method(proxy, pg, role):
    with psycopg.connect(proxy.dsn(user=role, password=PASSWORD)) as c:
        assert c.execute("select current_user").fetchone() == (role,)
    if AUTH_ROLES[role] != "trust":
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(proxy.dsn(user=role, password="wrong"))


def test_md5_role_really_uses_md5(pg):
    # With an md5 hash stored, the md5 method cannot silently upgrade to SCRAM.
    assert pg.psql("select rolpassword like 'md5%' from pg_authid "
                   "where rolname = 'u_md5'").strip() == "t"
