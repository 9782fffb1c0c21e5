"""The VAT arithmetic of invoices and credit notes: plain values in, plain values out (``docs/invoices.md``).

Prices include VAT. A line's VAT is taken out of its gross amount and rounded half up to the cent;
its net is the gross less that VAT, so net + VAT = gross on every line, and the sums per rate and per
document add up to the cent as well.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def vat_of(gross: Decimal, rate: Decimal) -> Decimal:
    """Return the VAT contained in the tax-inclusive ``gross`` at ``rate`` percent, rounded half up to the cent."""
    gross, rate = Decimal(gross), Decimal(rate)
    return (gross * rate / (HUNDRED + rate)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    vat: Decimal
    gross: Decimal


def split(gross: Decimal, rate: Decimal) -> Amounts:
    """Return the net, VAT and gross of a tax-inclusive amount (``vat_of``; net = gross - VAT)."""
    gross = Decimal(gross).quantize(CENT)
    vat = vat_of(gross, rate)
    return Amounts(net=gross - vat, vat=vat, gross=gross)


def split_credit(*, gross: Decimal, rate: Decimal, credited_gross: Decimal, credited_vat: Decimal) -> Amounts:
    """Return the amounts a credit note gives back on one invoice line.

    ``credited_gross`` and ``credited_vat`` are what earlier credit notes gave back on that line. The
    VAT given back is the VAT of everything credited so far (this one included) less what was given
    back before: the credit notes of a line never return more VAT than the line charged, and a fully
    credited line returns exactly its VAT.
    """
    gross = Decimal(gross).quantize(CENT)
    vat = vat_of(Decimal(credited_gross) + gross, rate) - Decimal(credited_vat)
    return Amounts(net=gross - vat, vat=vat, gross=gross)


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


def vat_summary(lines: Sequence[tuple[Decimal, Amounts]]) -> list[RateTotal]:
    """Return the sums of ``(rate, amounts)`` lines per rate, lowest rate first."""
    totals: dict[Decimal, list[Decimal]] = {}
    for rate, amounts in lines:
        entry = totals.setdefault(Decimal(rate), [ZERO, ZERO, ZERO])
        entry[0] += amounts.net
        entry[1] += amounts.vat
        entry[2] += amounts.gross
    return [RateTotal(rate=rate, net=n, vat=v, gross=g) for rate, (n, v, g) in sorted(totals.items())]


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Divide ``amount`` into shares proportional to ``weights``, in cents, by the largest remainder.

    Each share is first the proportional amount rounded down to the cent; the cents left over go one
    each to the shares with the largest remainders (ties: the larger weight, then the earlier one).
    The shares add up to ``amount`` exactly, and none exceeds its weight while ``amount`` is at most
    the sum of the weights. Zero weights get nothing; with no weight at all, nothing is allocated.
    """
    cents = int((Decimal(amount) / CENT).to_integral_value())
    units = [int((Decimal(weight) / CENT).to_integral_value()) for weight in weights]
    total = sum(units)
    if total <= 0 or cents <= 0:
        return [ZERO for _ in weights]
    shares = [cents * unit // total for unit in units]
    remainders = [cents * unit % total for unit in units]
    left = cents - sum(shares)
    order = sorted(range(len(units)), key=lambda i: (-remainders[i], -units[i], i))
    for i in order[:left]:
        shares[i] += 1
    return [Decimal(share) * CENT for share in shares]


# The member states of the European Union (ISO 3166-1 alpha-2; Greece is "GR" here, "EL" in VAT ids).
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


def tax_country(*, destination: str, shop_country: str, oss: bool) -> str:
    """Return whose VAT rates a sale takes: the shop's, or (One-Stop-Shop) the EU destination's."""
    destination = (destination or "").upper()
    if oss and destination in EU_COUNTRIES and shop_country in EU_COUNTRIES and destination != shop_country:
        return destination
    return shop_country
