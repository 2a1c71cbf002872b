/*
 * Inside the tariff module: the parsed form of a tariff shared by tariff_json.c (which builds
 * and validates it), tariff_calc.c (the engine, which only reads it) and tariff_store.c.
 * Not for other modules: they use domain/tariff.h. Everything a tariff holds lives in its own
 * arena, freed by tariff_free().
 */
#ifndef PMIS_TARIFF_INT_H
#define PMIS_TARIFF_INT_H

#include "core/arena.h"
#include "domain/tariff.h"

#define TARIFF_MAX_TIERS 5
#define TARIFF_MAX_SEASONS 12
#define TARIFF_MAX_FUNDS 8
#define TARIFF_CODE_MAX 32
/* sanity limits that keep every product of the engine far inside 64/128 bits */
#define TARIFF_PRICE_MAX_E8 (INT64_C(1000000) * 100000000) /* 1,000,000 yuan per unit */
#define TARIFF_KWH_MAX INT64_C(1000000000000)              /* bounds and thresholds */

enum tv_energy { TV_FLAT, TV_TOU };
enum tv_source { TV_REGISTERS, TV_WINDOWS };
enum tv_tier_basis { TV_TIER_NONE, TV_TIER_MONTHLY, TV_TIER_ANNUAL };
enum tv_tier_method { TV_TIER_PRICES, TV_TIER_SURCHARGE, TV_TIER_PROPORTIONAL };
enum tv_basic { TV_BASIC_NONE, TV_BASIC_CAPACITY, TV_BASIC_DEMAND };
enum tv_excess { TV_EXCESS_DOUBLE, TV_EXCESS_ACTUAL_PLUS };
enum tv_prorate { TV_PRORATE_CALENDAR_DAYS, TV_PRORATE_THIRTY };

/* pf base components (bit masks) */
#define TV_PF_BASIC 1u  /* basic + basic_excess */
#define TV_PF_ENERGY 2u /* energy + tier_surcharge */
#define TV_PF_FUNDS 4u

struct tv_fund {
    const char *code, *name;
    int64_t price_e8;
    unsigned exempt; /* bit per user type (user_type_bit) */
};

struct tariff_version {
    struct date from;
    int32_t from_day; /* date_to_days(from) */
    const char *json; /* canonical JSON of the version (sorted keys, compact) */
    const char *note;

    enum tv_energy energy;
    int64_t price_e8; /* TV_FLAT (0 when tiers give the prices) */
    enum tv_source source;
    unsigned periods; /* TV_TOU: bit per enum tou_period in use */
    int64_t tou_price[TOU_N];
    int nseasons;
    int8_t season_of_month[13];                  /* windows: month -> season */
    const char *season_name[TARIFF_MAX_SEASONS]; /* windows */
    uint8_t (*minute)[1440];                     /* windows: [season][minute] -> period */

    enum tv_tier_basis tier_basis;
    enum tv_tier_method tier_method;
    int ntiers; /* prices/surcharges; bounds = ntiers - 1 */
    int ntier_seasons;
    int8_t tier_season_of_month[13];
    int64_t bound_wh[TARIFF_MAX_SEASONS][TARIFF_MAX_TIERS - 1];
    int64_t tier_price[TARIFF_MAX_TIERS];
    int64_t surcharge[TARIFF_MAX_TIERS];
    int64_t tier_tou_price[TARIFF_MAX_TIERS][TOU_N];

    enum tv_basic basic;
    int64_t basic_price_e8;
    bool contract_excess;       /* demand: contract billing with the excess rule */
    int excess_percent;         /* 105 */
    enum tv_excess excess_rule; /* double_excess | actual_plus_excess */
    int min_contract_percent;   /* of capacity; 0 = no floor */
    int64_t hu_kwh_per_kva;     /* high-utilisation discount threshold; 0 = none */
    int hu_percent;             /* billed percent, 90 */
    enum tv_prorate prorate;

    bool pf;
    unsigned pf_base;

    int nfunds;
    struct tv_fund funds[TARIFF_MAX_FUNDS];
};

struct tariff {
    struct arena arena;
    const char *code, *name, *category, *note;
    int nversions;
    struct tariff_version *v; /* ascending effective_from */
};

/** Bit of a user type ("resident" ...) for fund exemptions; 0 for an unknown one. */
unsigned tariff_user_type_bit(const char *user_type);

#endif
