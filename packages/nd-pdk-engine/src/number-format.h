/*
 * Replacements for QuickJS's js_ecvt and js_fcvt that round exact ties away from zero, as
 * ECMAScript requires, without fesetround. The build script points QuickJS at them.
 */
#ifndef ND_NUMBER_FORMAT_H
#define ND_NUMBER_FORMAT_H

/*
 * Writes d with n_digits digits after the decimal point into buf (printf "%.*f" layout, with a '-'
 * for negative values). Aborts when buf_size is too small, which QuickJS's buffer never is.
 */
void nd_fcvt(char *buf, int buf_size, double d, int n_digits);

/*
 * Writes the significant digits of d into buf without a decimal point and returns their count.
 * With is_fixed, there are exactly n_digits; otherwise as few as read back as d (n_digits is
 * ignored). *decpt receives the position of the decimal point relative to the first digit and
 * *sign whether d is negative.
 */
int nd_ecvt(double d, int n_digits, int *decpt, int *sign, char *buf, int is_fixed);

#endif
