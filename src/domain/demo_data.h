/*
 * Deterministic demo data for a State Grid style utility in Zhejiang: a static org tree with
 * real place names and GB/T 2260 codes, and customers (holder, account, meter) generated as a
 * pure function of (seed, sequence number), so any customer can be made alone, in any order,
 * on any thread, with the same result on every machine. No database access, no globals;
 * `pmis demo` and the import benchmark insert what this produces.
 */
#ifndef PMIS_DEMO_DATA_H
#define PMIS_DEMO_DATA_H

#include "core/common.h"
#include "core/err.h"

/* ---- random numbers: xoshiro256** seeded through splitmix64; never rand() ---- */

struct demo_rng {
    uint64_t s[4];
};

/** Seed `rng`; every seed, 0 included, gives a distinct usable stream. */
void demo_rng_seed(struct demo_rng *rng, uint64_t seed);
/** Next 64 random bits. */
uint64_t demo_rng_next(struct demo_rng *rng);
/** A number in [0, n), n >= 1 (Lemire's multiply-shift; bias below 2^-32). */
uint32_t demo_rng_below(struct demo_rng *rng, uint32_t n);

/* ---- the org tree ---- */

/*
 * One supply-company unit. All strings are static. Levels: "hq", "province", "city",
 * "county", "station" (供电所). Fields a level does not have are "" (a city has no town).
 */
struct demo_org {
    const char *code;      /* unique ASCII: "HQ", "ZJ", "ZJ-HZ", "ZJ-HZ-TL", "ZJ-HZ-TL-FS" */
    const char *name;      /* "国网桐庐县供电公司", "分水供电所" */
    const char *level;
    const char *parent;    /* parent's code; NULL for "hq" */
    const char *region;    /* GB/T 2260 code: the county's for county and station ("330122") */
    const char *province;  /* "浙江省" */
    const char *city;      /* "杭州市" */
    const char *area_code; /* telephone area code of the city: "0571" */
    const char *county;    /* "桐庐县", "建德市" */
    const char *town;      /* the station's town: "分水镇" */
    unsigned weight;       /* a station's relative share of customers; 0 above stations */
};

/** The whole tree, parents before children; `*n` receives the count (32). Static. */
const struct demo_org *demo_orgs(size_t *n);
/** The org with `code`, or NULL. */
const struct demo_org *demo_org_find(const char *code);
/** A station drawn by weight. */
const struct demo_org *demo_pick_station(struct demo_rng *rng);

/* ---- customers ---- */

/* Sequence numbers run 0..DEMO_MAX_SEQ: one counter for the whole run. */
#define DEMO_MAX_SEQ INT64_C(9999999)
/* Generated dates (birth, account opening, meter installation) end on this day. */
#define DEMO_LAST_DATE "2024-12-31"

/*
 * Per-seed state, made once by demo_gen_init() and then only read, so one generator may
 * serve any number of threads. Plain data; nothing to release.
 */
struct demo_gen {
    uint64_t seed;
    uint64_t id_key[4];   /* keys of the permutations that make ID numbers unique */
    uint64_t org_key[4];
    uint32_t birth_cum[66]; /* birth slots before each year 1940..2004 (see demo_data.c) */
};

void demo_gen_init(struct demo_gen *g, uint64_t seed);

/*
 * Everything the archive needs for one customer: holder, account, service point and meter.
 * All text is in the struct itself (copying the struct copies the customer) or, for the
 * `const char *` fields, in static storage.
 *
 * Identifiers, unique within a run for distinct `seq`:
 *   cust_no   户号, 10 digits: "33", the city digit (杭州 1, 宁波 2, 温州 3), seq in 7 digits.
 *   asset_no  meter bar code, 22 digits: "33", city digit, meter class (1 single-phase,
 *             2 three-phase direct, 3 three-phase via CT, 4 via CT and PT), 2-digit
 *             installation year, 2-digit maker, seq in 13 digits, Luhn check digit.
 *   id_number residents: 18-digit 居民身份证号 (county region code, birth date, order code
 *             whose parity is the holder's sex, GB 11643 check digit); others: 统一社会信用代码
 *             (GB 32100: authority and type "91" company, "92" sole trader, "93" farmers'
 *             cooperative, "52" private non-profit, "N2" village collective; county region
 *             code; GB 11714 organisation code; check character). Unique per run.
 */
struct demo_customer {
    int64_t seq;
    const struct demo_org *station;
    char cust_no[11];
    char name[96];          /* person or organisation: "王建国", "桐庐恒通纺织有限公司" */
    char contact[32];       /* the person to contact: the holder or a legal representative */
    const char *user_type;  /* "resident" | "general_ci" | "large_industry" | "agriculture" */
    int voltage_v;          /* 220, 380, 10000, 35000, 110000 */
    const char *voltage;    /* "220V", "380V", "10kV", "35kV", "110kV" */
    bool important;         /* 重要客户 (about 0.5% of non-residents) */
    char address[256];
    char phone[16];         /* mobile "13912345678" or landline "0571-86123456" */
    const char *id_type;    /* "id_card" | "uscc" */
    char id_number[19];
    char opened_on[11];     /* "YYYY-MM-DD" */
    /* account */
    const char *tariff_code; /* "RES-TIER", "GCI-TOU", "LI-2PART", "AGR" */
    int capacity_kva;        /* contract capacity (kW for low-voltage residents and shops) */
    const char *basic_by;    /* large industry: "capacity" | "demand"; others "" */
    int demand_kw;           /* contract demand when basic_by is "demand", else 0 */
    int pf_standard;         /* power-factor standard in hundredths: 90, 85, 80; 0 = none */
    int cycle_day;           /* billing cycle day 1..28 */
    const char *pay_mode;    /* "postpaid" | "prepaid" (费控) */
    /* meter */
    char asset_no[23];
    const char *model;      /* "DDZY102-Z", "DTZY341-Z", "DSZY331-Z" */
    const char *meter_spec; /* "220V 5(60)A", "3×100V 1.5(6)A" */
    const char *accuracy;   /* accuracy class: "2", "1", "0.5S", "0.2S" */
    int phases;             /* 1 or 3 */
    char ct_ratio[12];      /* "100/5"; "" when direct-connected */
    char pt_ratio[12];      /* "10000/100"; "" below 10 kV */
    int64_t multiplier;     /* CT ratio × PT ratio; 1 when direct-connected */
    const char *registers;  /* "total,peak,valley"; names from total sharp peak flat valley
                               reactive demand */
    char installed_on[11];  /* "YYYY-MM-DD", not before opened_on */
};

/**
 * Make customer number `seq` (0..DEMO_MAX_SEQ) of generator `g` into `out`: a pure function of
 * (g->seed, seq, station). `station` must be a "station" org of demo_orgs(); NULL draws one by
 * weight from the customer's own random stream. User types come out at about 90% resident,
 * 8% general_ci, 1% large_industry, 1% agriculture. Errors: ERR_INVALID for a bad seq or org.
 */
int demo_customer(const struct demo_gen *g, int64_t seq, const struct demo_org *station,
                  struct demo_customer *out, struct err *err);

#endif
