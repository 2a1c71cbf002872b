/*
 * Power-factor adjustment (功率因数调整电费), 《功率因数调整电费办法》(83)水电财字第215号:
 * the month's power factor from active and reactive energy, rounded half-up to two decimals
 * in exact integer arithmetic, and the adjustment percentage of the 1983 table for the
 * standards 0.90, 0.85 and 0.80 (rules §4). Pure, no floating point, thread-safe. Used by the
 * tariff engine (tariff_calc.c) and by anyone who shows a power factor.
 */
#ifndef PMIS_PF_H
#define PMIS_PF_H

#include "core/common.h"
#include "core/err.h"

/**
 * cos φ = P / √(P² + Q²) rounded half-up to 0.01, as an integer 0..100 (82 = 0.82).
 * Exact for every int64 P and Q (their magnitudes are used: Q is |consumed| + |exported|,
 * the caller's business): rounded PF ≥ k/100 ⇔ 40000·P² ≥ (2k−1)²·(P² + Q²) (rules §4.6 PF5),
 * evaluated in 192-bit integers. P = 0 and Q = 0 (no consumption) gives 100; P = 0 with Q > 0
 * gives 0.
 */
int pf_round(int64_t p_wh, int64_t q_varh);

/** Whether `standard` (x100) is one of the 1983 standards 90, 85, 80. */
bool pf_standard_valid(int standard);

/**
 * The adjustment for a rounded power factor `pf` (0..100) under `standard` (90, 85 or 80), in
 * 0.01 % of the adjustable charges: positive = increase (增收), negative = reduction (减收);
 * e.g. (90, 82) -> 400 (+4 %), (90, 96) -> -75 (−0.75 %), (90, 60) -> 2500. Below the table's
 * last row it continues at +2 % per 0.01 (§4.5). ERR_INVALID for another standard or a pf
 * outside 0..100.
 */
int pf_adjust_e2(int standard, int pf, int *out_e2, struct err *err);

#endif
