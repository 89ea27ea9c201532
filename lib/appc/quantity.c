/* Quantities (docs/conformance.md: TYPE-13), the Kubernetes resource.Quantity grammar that appc
 * adopted: [+-] digits [. digits] [suffix], suffix one of the decimal SI prefixes, the binary
 * ones (Ki..Ei) or an exponent e<n>/E<n>.
 *
 * Everything is exact integer arithmetic: the value is computed in thousandths of a base unit
 * (rounded up, away from zero, as Kubernetes rounds requests up so that asking for a little
 * gets something), in unsigned 128-bit integers, which hold (2^63-1) * 1000 with room for one
 * more multiplication check. */
#include "appc/types.h"

#include <errno.h>
#include <string.h>

#include "appc/types-internal.h"

typedef unsigned __int128 u128;

/* Largest magnitude in thousandths whose base-unit value, rounded up, still fits int64. */
#define MILLI_LIMIT ((u128)INT64_MAX * 1000)
/* Exponents beyond this make any non-zero number overflow or round to 1m; capping them keeps
 * the exponent arithmetic in range. */
#define EXPONENT_CAP 100000

struct number {
	bool negative;
	const char *int_digits, *frac_digits;
	size_t n_int, n_frac;
	int64_t exp10; /* from the suffix */
	unsigned exp2; /* from a binary suffix */
};

static const struct {
	const char *suffix;
	int exp10;
	unsigned exp2;
} suffixes[] = {
	{ "", 0, 0 },    { "n", -9, 0 },  { "u", -6, 0 },  { "m", -3, 0 },
	{ "k", 3, 0 },   { "M", 6, 0 },   { "G", 9, 0 },   { "T", 12, 0 },
	{ "P", 15, 0 },  { "E", 18, 0 },  { "Ki", 0, 10 }, { "Mi", 0, 20 },
	{ "Gi", 0, 30 }, { "Ti", 0, 40 }, { "Pi", 0, 50 }, { "Ei", 0, 60 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t count_digits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

static bool parse_suffix(const char *s, struct number *num)
{
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (strcmp(s, suffixes[i].suffix) == 0) {
			num->exp10 = suffixes[i].exp10;
			num->exp2 = suffixes[i].exp2;
			return true;
		}
	}
	if (*s != 'e' && *s != 'E')
		return false;
	s++;
	bool negative = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!is_digit(*s))
		return false;
	int64_t e = 0;
	for (; is_digit(*s); s++)
		if (e < EXPONENT_CAP)
			e = e * 10 + (*s - '0');
	if (*s)
		return false;
	num->exp10 = negative ? -e : e;
	num->exp2 = 0;
	return true;
}

static bool parse_number(const char *s, struct number *num)
{
	*num = (struct number){ 0 };
	if (*s == '-' || *s == '+')
		num->negative = *s++ == '-';
	num->int_digits = s;
	num->n_int = count_digits(s);
	s += num->n_int;
	num->frac_digits = s;
	if (*s == '.') {
		num->frac_digits = ++s;
		num->n_frac = count_digits(s);
		s += num->n_frac;
	}
	/* Go also takes "", ".", "-" as zero; a quantity without a digit is a mistake. */
	if (num->n_int + num->n_frac == 0)
		return false;
	return parse_suffix(s, num);
}

static unsigned digit_at(const struct number *num, size_t i)
{
	char c = i < num->n_int ? num->int_digits[i] : num->frac_digits[i - num->n_int];

	return (unsigned)(c - '0');
}

/* Sets *RET to ceil(|num| * 1000); false if that exceeds MILLI_LIMIT. */
static bool to_milli(const struct number *num, u128 *ret)
{
	size_t nd = num->n_int + num->n_frac, first = 0, n_high;
	int64_t e = num->exp10 - (int64_t)num->n_frac + 3;
	uint64_t mult = (uint64_t)1 << num->exp2;
	uint64_t carry = 0;
	bool sticky = false;
	u128 high = 0;

	while (first < nd && digit_at(num, first) == 0)
		first++;
	if (first == nd) {
		*ret = 0;
		return true;
	}

	/* Digits at or above the unit (thousandths) position are multiplied exactly. */
	if (e >= 0)
		n_high = nd;
	else
		n_high = (uint64_t)-e >= nd - first ? first : nd - (size_t)-e;
	for (size_t i = first; i < n_high; i++) {
		high = high * 10 + digit_at(num, i);
		if (high > MILLI_LIMIT)
			return false;
	}
	for (int64_t i = 0; i < e && high != 0; i++) {
		high *= 10;
		if (high > MILLI_LIMIT)
			return false;
	}
	if (high > MILLI_LIMIT >> num->exp2)
		return false;
	high <<= num->exp2;

	/* The digits below it give floor(low * mult / 10^b) by long multiplication from the
	 * right: t < 10 * 2^60 fits 64 bits. A non-zero digit dropped on the way means the
	 * value was not a whole number of thousandths, so it rounds up. */
	if (e < 0) {
		uint64_t b = (uint64_t)-e;

		for (size_t i = nd; i > n_high; i--) {
			uint64_t t = digit_at(num, i - 1) * mult + carry;

			sticky |= t % 10 != 0;
			carry = t / 10;
		}
		/* Leading zeros of the fraction that are not in the string. */
		for (uint64_t i = nd - n_high; i < b && carry != 0; i++) {
			sticky |= carry % 10 != 0;
			carry /= 10;
		}
	}
	high += carry + (sticky ? 1 : 0);
	if (high > MILLI_LIMIT)
		return false;
	*ret = high;
	return true;
}

int rkt_quantity_parse(const char *s, struct rkt_quantity *ret, const char *field,
                       struct rkt_error *err)
{
	struct rkt_quantity q = { 0 };
	struct number num;
	u128 milli;
	int64_t sign;

	if (!s || !parse_number(s, &num))
		return rkt_field_value_error(err, field, s, "is not a quantity");
	if (!to_milli(&num, &milli))
		return rkt_field_value_error(err, field, s,
		                             "is not a quantity: out of range (more than 2^63-1)");
	sign = num.negative ? -1 : 1;
	q.value = sign * (int64_t)((milli + 999) / 1000);
	q.milli_valid = milli <= INT64_MAX;
	if (q.milli_valid)
		q.milli = sign * (int64_t)milli;
	*ret = q;
	return 0;
}
