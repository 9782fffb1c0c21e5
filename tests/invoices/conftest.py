# The shop of the returns tests: fast password hashing, Berlin time and German VAT, no throttles.
from tests.returns.conftest import _fast_password_hashing, _no_throttles, _shop_in_berlin  # noqa: F401
