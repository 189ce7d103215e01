/*
 * Decimal digit generation for QuickJS's Number.prototype.toString, toFixed, toPrecision and
 * toExponential.
 *
 * QuickJS 2021-03-27 formats numbers with snprintf and, because ECMAScript rounds an exact tie away
 * from zero while printf rounds it to even, probes for ties by printing again under FE_DOWNWARD and
 * FE_UPWARD. WebAssembly has no dynamic rounding modes and wasi-libc defines only FE_TONEAREST, so
 * the build replaces QuickJS's js_ecvt and js_fcvt with nd_ecvt and nd_fcvt below. They keep
 * snprintf for the digits (wasi-libc's printf, from musl, prints the exact decimal value rounded to
 * nearest) and decide whether a tie is exact with integer arithmetic on the double's bits.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number-format.h"

/* Large enough for 102 significant digits in %e form, and for 101 fraction digits of a value
   below 1e21 in %f form (QuickJS falls back to toString from 1e21 on). */
#define FORMAT_BUFFER_SIZE 160

/* Splits a finite, non-zero |d| into mantissa * 2^exponent with an odd mantissa. */
static void split_double(double d, uint64_t *mantissa, int *exponent)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    int biased = (int)((bits >> 52) & 0x7ff);
    uint64_t fraction = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0) {
        *mantissa = fraction;
        *exponent = -1074;
    } else {
        *mantissa = fraction | (UINT64_C(1) << 52);
        *exponent = biased - 1075;
    }
    while ((*mantissa & 1) == 0) {
        *mantissa >>= 1;
        (*exponent)++;
    }
}

/*
 * Returns whether |d| * 10^k is an integer, that is whether the decimal expansion of d ends at most
 * k digits after the point (a negative k requires -k trailing zeros before the point). With |d| = m * 2^e and
 * m odd: for k >= 0 the product m * 2^(e+k) * 5^k is an integer exactly when e + k >= 0. For k < 0
 * the quotient m * 2^e / (2^-k * 5^-k) is one exactly when e >= -k and 5^-k divides m.
 */
static int has_exact_digits(double d, int k)
{
    uint64_t mantissa;
    int exponent;

    if (d == 0)
        return 1;
    split_double(d, &mantissa, &exponent);
    if (k >= 0)
        return exponent + k >= 0;
    if (exponent < -k)
        return 0;
    /* 5^23 exceeds 2^53, so it cannot divide a mantissa. */
    if (-k > 22)
        return 0;
    uint64_t power = 1;
    for (int i = 0; i < -k; i++)
        power *= 5;
    return mantissa % power == 0;
}

/*
 * Adds one unit in the last place to the decimal magnitude in text ("-9.95" becomes "-9.96",
 * "9.99" becomes "10.00"). A leading '-' or '+' is kept. text must have room for one more character.
 */
static void increment_magnitude(char *text)
{
    size_t start = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    size_t length = strlen(text);

    for (size_t i = length; i-- > start;) {
        if (text[i] == '.')
            continue;
        if (text[i] != '9') {
            text[i]++;
            return;
        }
        text[i] = '0';
    }
    /* Every digit was 9: the carry needs a new leading digit. */
    memmove(text + start + 1, text + start, length - start + 1);
    text[start] = '1';
}

void nd_fcvt(char *buf, int buf_size, double d, int n_digits)
{
    char probe[FORMAT_BUFFER_SIZE];
    int length = snprintf(probe, sizeof(probe), "%.*f", n_digits + 1, d);

    /* A probe ending in 5 is a tie only when it is the exact value. printf rounds every other case
       correctly, because rounding to nearest differs from ties-away only on exact ties. */
    if (length > 0 && length < (int)sizeof(probe) && probe[length - 1] == '5' &&
        has_exact_digits(d, n_digits + 1)) {
        int truncated_length = length - 1;
        if (n_digits == 0)
            truncated_length--; /* drop the decimal point that preceded the single fraction digit */
        if (truncated_length + 2 > buf_size)
            abort();
        memcpy(buf, probe, truncated_length);
        buf[truncated_length] = '\0';
        increment_magnitude(buf);
        return;
    }
    if (snprintf(buf, buf_size, "%.*f", n_digits, d) >= buf_size)
        abort();
}

/*
 * Reads "%+.*e" output ("+1.2345e+05") into sign, the digits without the point, and decpt, the
 * position of the decimal point relative to the first digit (1.2345e+05 gives decpt 6).
 */
static void parse_exponential(const char *text, int n_digits, int *sign, char *digits, int *decpt)
{
    *sign = text[0] == '-';
    digits[0] = text[1];
    if (n_digits > 1)
        memcpy(digits + 1, text + 3, n_digits - 1);
    digits[n_digits] = '\0';
    const char *exponent = strchr(text, 'e');
    *decpt = atoi(exponent + 1) + 1;
}

int nd_ecvt(double d, int n_digits, int *decpt, int *sign, char *buf, int is_fixed)
{
    char text[FORMAT_BUFFER_SIZE];

    if (!is_fixed) {
        /* The shortest digit string that reads back as d: at most 17 digits always suffice, and a
           string that round-trips with n digits also does with n + 1, so the count can be bisected.
           Rounding to nearest yields the closest candidate of each length, as ECMAScript requires. */
        int low = 1, high = 17;
        while (low < high) {
            int middle = (low + high) / 2;
            snprintf(text, sizeof(text), "%+.*e", middle - 1, d);
            if (strtod(text, NULL) == d)
                high = middle;
            else
                low = middle + 1;
        }
        snprintf(text, sizeof(text), "%+.*e", high - 1, d);
        parse_exponential(text, high, sign, buf, decpt);
        int length = high;
        while (length >= 2 && buf[length - 1] == '0')
            length--;
        buf[length] = '\0';
        return length;
    }

    snprintf(text, sizeof(text), "%+.*e", n_digits, d);
    char probe[FORMAT_BUFFER_SIZE];
    int probe_decpt;
    parse_exponential(text, n_digits + 1, sign, probe, &probe_decpt);

    /* The probe's n_digits + 1 digits are exact when d * 10^(n_digits + 1 - probe_decpt) is an
       integer. Then a final 5 is an exact tie, which ECMAScript rounds away from zero. */
    if (probe[n_digits] == '5' && has_exact_digits(d, n_digits + 1 - probe_decpt)) {
        probe[n_digits] = '\0';
        increment_magnitude(probe);
        if ((int)strlen(probe) > n_digits) {
            /* 99.5 rounded to two digits: the carry added a digit, so the point moves right. */
            probe[n_digits] = '\0';
            probe_decpt++;
        }
        memcpy(buf, probe, n_digits + 1);
        *decpt = probe_decpt;
        return n_digits;
    }

    snprintf(text, sizeof(text), "%+.*e", n_digits - 1, d);
    parse_exponential(text, n_digits, sign, buf, decpt);
    return n_digits;
}
