/*
 * Demo data: static tables (orgs, names, trades, roads) and a customer generator that draws
 * everything from a per-customer xoshiro256** stream seeded by (seed, seq). Identifiers that
 * must be unique come from seq itself or from keyed permutations of it, never from chance.
 * Only integer arithmetic, so the output is the same on every machine.
 */
#include "core/common.h"
#include "domain/demo_data.h"

/* ---- random numbers ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t x) { return splitmix64(&x); }

void demo_rng_seed(struct demo_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed); /* never all zero: splitmix64 is a bijection */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t demo_rng_next(struct demo_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t demo_rng_below(struct demo_rng *rng, uint32_t n)
{
    return (uint32_t)(((demo_rng_next(rng) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability per_10000 / 10000. */
static bool chance(struct demo_rng *r, uint32_t per_10000)
{
    return demo_rng_below(r, 10000) < per_10000;
}

static uint32_t range(struct demo_rng *r, uint32_t lo, uint32_t hi)
{
    return lo + demo_rng_below(r, hi - lo + 1);
}

#define PICK(r, arr) ((arr)[demo_rng_below((r), (uint32_t)ARRAY_SIZE(arr))])

/* ---- the org tree ---- */

/* A city's name and telephone area code. */
#define HZ "杭州市", "0571"
#define NB "宁波市", "0574"
#define WZ "温州市", "0577"
#define ORG(code, name, level, parent, region, city_area, county, town, weight)                   \
    { code, name, level, parent, region, "浙江省", city_area, county, town, weight }
#define COUNTY(code, name, parent, region, city_area, county)                                      \
    { code, name, "county", parent, region, "浙江省", city_area, county, "", 0 }
#define STATION(code, name, parent, region, city_area, county, town, weight)                       \
    { code, name, "station", parent, region, "浙江省", city_area, county, town, weight }

static const struct demo_org orgs[] = {
    { "HQ", "国家电网有限公司", "hq", NULL, "110102", "北京市", "北京市", "010", "西城区", "", 0 },
    { "ZJ", "国网浙江省电力有限公司", "province", "HQ", "330000", "浙江省", "", "", "", "", 0 },
    ORG("ZJ-HZ", "国网杭州供电公司", "city", "ZJ", "330100", HZ, "", "", 0),
    ORG("ZJ-NB", "国网宁波供电公司", "city", "ZJ", "330200", NB, "", "", 0),
    ORG("ZJ-WZ", "国网温州供电公司", "city", "ZJ", "330300", WZ, "", "", 0),
    COUNTY("ZJ-HZ-TL", "国网桐庐县供电公司", "ZJ-HZ", "330122", HZ, "桐庐县"),
    COUNTY("ZJ-HZ-CA", "国网淳安县供电公司", "ZJ-HZ", "330127", HZ, "淳安县"),
    COUNTY("ZJ-HZ-JD", "国网建德市供电公司", "ZJ-HZ", "330182", HZ, "建德市"),
    COUNTY("ZJ-NB-XS", "国网象山县供电公司", "ZJ-NB", "330225", NB, "象山县"),
    COUNTY("ZJ-NB-NH", "国网宁海县供电公司", "ZJ-NB", "330226", NB, "宁海县"),
    COUNTY("ZJ-NB-YY", "国网余姚市供电公司", "ZJ-NB", "330281", NB, "余姚市"),
    COUNTY("ZJ-WZ-YJ", "国网永嘉县供电公司", "ZJ-WZ", "330324", WZ, "永嘉县"),
    COUNTY("ZJ-WZ-PY", "国网平阳县供电公司", "ZJ-WZ", "330326", WZ, "平阳县"),
    COUNTY("ZJ-WZ-CN", "国网苍南县供电公司", "ZJ-WZ", "330327", WZ, "苍南县"),
    STATION("ZJ-HZ-TL-FS", "分水供电所", "ZJ-HZ-TL", "330122", HZ, "桐庐县", "分水镇", 4),
    STATION("ZJ-HZ-TL-FCJ", "富春江供电所", "ZJ-HZ-TL", "330122", HZ, "桐庐县", "富春江镇", 3),
    STATION("ZJ-HZ-CA-QDH", "千岛湖供电所", "ZJ-HZ-CA", "330127", HZ, "淳安县", "千岛湖镇", 6),
    STATION("ZJ-HZ-CA-WP", "威坪供电所", "ZJ-HZ-CA", "330127", HZ, "淳安县", "威坪镇", 2),
    STATION("ZJ-HZ-JD-SC", "寿昌供电所", "ZJ-HZ-JD", "330182", HZ, "建德市", "寿昌镇", 3),
    STATION("ZJ-HZ-JD-QT", "乾潭供电所", "ZJ-HZ-JD", "330182", HZ, "建德市", "乾潭镇", 2),
    STATION("ZJ-NB-XS-SP", "石浦供电所", "ZJ-NB-XS", "330225", NB, "象山县", "石浦镇", 4),
    STATION("ZJ-NB-XS-XZ", "西周供电所", "ZJ-NB-XS", "330225", NB, "象山县", "西周镇", 3),
    STATION("ZJ-NB-NH-XD", "西店供电所", "ZJ-NB-NH", "330226", NB, "宁海县", "西店镇", 3),
    STATION("ZJ-NB-NH-CJ", "长街供电所", "ZJ-NB-NH", "330226", NB, "宁海县", "长街镇", 2),
    STATION("ZJ-NB-YY-SM", "泗门供电所", "ZJ-NB-YY", "330281", NB, "余姚市", "泗门镇", 4),
    STATION("ZJ-NB-YY-MZ", "马渚供电所", "ZJ-NB-YY", "330281", NB, "余姚市", "马渚镇", 3),
    STATION("ZJ-WZ-YJ-QT", "桥头供电所", "ZJ-WZ-YJ", "330324", WZ, "永嘉县", "桥头镇", 3),
    STATION("ZJ-WZ-YJ-YT", "岩头供电所", "ZJ-WZ-YJ", "330324", WZ, "永嘉县", "岩头镇", 2),
    STATION("ZJ-WZ-PY-AJ", "鳌江供电所", "ZJ-WZ-PY", "330326", WZ, "平阳县", "鳌江镇", 6),
    STATION("ZJ-WZ-PY-XJ", "萧江供电所", "ZJ-WZ-PY", "330326", WZ, "平阳县", "萧江镇", 4),
    STATION("ZJ-WZ-CN-LX", "灵溪供电所", "ZJ-WZ-CN", "330327", WZ, "苍南县", "灵溪镇", 7),
    STATION("ZJ-WZ-CN-QK", "钱库供电所", "ZJ-WZ-CN", "330327", WZ, "苍南县", "钱库镇", 4),
};

#define FIRST_STATION 14

/*
 * What each county is known for, so that its companies look local: 分水 makes pens, 桥头
 * buttons, 水头 (平阳) pet chews, 金乡 (苍南) badges; 余姚 grows bayberries, 建德 strawberries.
 */
struct county_info {
    const char *code;        /* the county org's code */
    const char *short_name;  /* "桐庐" */
    char city_digit;         /* in the 户号 and the meter bar code */
    const char *industry[3]; /* trades of large plants and workshops */
    const char *produce[2];  /* farm products for cooperatives */
};

static const struct county_info counties[] = {
    { "ZJ-HZ-TL", "桐庐", '1', { "制笔", "针织", "医疗器械" }, { "茶叶", "水果" } },
    { "ZJ-HZ-CA", "淳安", '1', { "饮用水", "竹木制品", "茶叶加工" }, { "茶叶", "山核桃" } },
    { "ZJ-HZ-JD", "建德", '1', { "化工", "水泥", "钙业" }, { "草莓", "茶叶" } },
    { "ZJ-NB-XS", "象山", '2', { "针织", "水产食品", "汽配" }, { "柑橘", "水产养殖" } },
    { "ZJ-NB-NH", "宁海", '2', { "模具", "文具", "汽车零部件" }, { "白枇杷", "茶叶" } },
    { "ZJ-NB-YY", "余姚", '2', { "塑料制品", "家电", "光电" }, { "杨梅", "榨菜" } },
    { "ZJ-WZ-YJ", "永嘉", '3', { "泵阀", "纽扣", "鞋业" }, { "杨梅", "茶叶" } },
    { "ZJ-WZ-PY", "平阳", '3', { "皮革", "塑编", "宠物用品" }, { "黄汤茶", "水产养殖" } },
    { "ZJ-WZ-CN", "苍南", '3', { "印刷包装", "塑编", "工艺礼品" }, { "四季柚", "紫菜" } },
};

const struct demo_org *demo_orgs(size_t *n)
{
    *n = ARRAY_SIZE(orgs);
    return orgs;
}

const struct demo_org *demo_org_find(const char *code)
{
    for (size_t i = 0; i < ARRAY_SIZE(orgs); i++)
        if (!strcmp(orgs[i].code, code))
            return &orgs[i];
    return NULL;
}

const struct demo_org *demo_pick_station(struct demo_rng *rng)
{
    unsigned total = 0;
    for (size_t i = FIRST_STATION; i < ARRAY_SIZE(orgs); i++)
        total += orgs[i].weight;
    uint32_t x = demo_rng_below(rng, total);
    for (size_t i = FIRST_STATION;; i++) {
        if (x < orgs[i].weight)
            return &orgs[i];
        x -= orgs[i].weight;
    }
}

static const struct county_info *county_of(const struct demo_org *station)
{
    for (size_t i = 0; i < ARRAY_SIZE(counties); i++)
        if (!strcmp(counties[i].code, station->parent))
            return &counties[i];
    BUG("station '%s' has no county", station->code);
}

/* ---- names ---- */

struct weighted {
    const char *s;
    unsigned w;
};

/* Surnames with approximate national shares per 10,000 people, plus the Zhejiang 应 楼 俞. */
static const struct weighted surnames[] = {
    { "王", 712 }, { "李", 700 }, { "张", 674 }, { "刘", 510 }, { "陈", 461 }, { "杨", 322 },
    { "黄", 245 }, { "赵", 219 }, { "吴", 200 }, { "周", 195 }, { "徐", 158 }, { "孙", 144 },
    { "马", 129 }, { "朱", 128 }, { "胡", 116 }, { "郭", 113 }, { "何", 106 }, { "林", 102 },
    { "高", 100 }, { "罗", 95 },  { "郑", 93 },  { "梁", 85 },  { "谢", 76 },  { "宋", 70 },
    { "唐", 65 },  { "许", 63 },  { "韩", 62 },  { "冯", 59 },  { "邓", 58 },  { "曹", 57 },
    { "彭", 55 },  { "曾", 54 },  { "肖", 53 },  { "田", 51 },  { "董", 50 },  { "袁", 49 },
    { "潘", 48 },  { "于", 47 },  { "蒋", 47 },  { "蔡", 46 },  { "余", 45 },  { "杜", 44 },
    { "叶", 43 },  { "程", 42 },  { "苏", 41 },  { "魏", 40 },  { "吕", 39 },  { "丁", 38 },
    { "任", 37 },  { "沈", 36 },  { "姚", 35 },  { "卢", 34 },  { "姜", 33 },  { "崔", 32 },
    { "钟", 31 },  { "谭", 30 },  { "陆", 29 },  { "汪", 28 },  { "范", 27 },  { "金", 26 },
    { "石", 25 },  { "廖", 24 },  { "贾", 23 },  { "夏", 22 },  { "韦", 21 },  { "付", 20 },
    { "方", 19 },  { "白", 18 },  { "邹", 17 },  { "孟", 16 },  { "熊", 15 },  { "秦", 15 },
    { "邱", 14 },  { "江", 14 },  { "尹", 13 },  { "薛", 13 },  { "闫", 12 },  { "段", 12 },
    { "雷", 11 },  { "侯", 11 },  { "龙", 10 },  { "史", 10 },  { "陶", 10 },  { "黎", 9 },
    { "贺", 9 },   { "顾", 9 },   { "毛", 9 },   { "郝", 8 },   { "龚", 8 },   { "邵", 8 },
    { "万", 8 },   { "钱", 8 },   { "严", 7 },   { "应", 6 },   { "戴", 6 },   { "俞", 6 },
    { "楼", 4 },   { "欧阳", 2 }, { "司马", 1 }, { "上官", 1 }, { "诸葛", 1 },
};
#define SURNAME_WEIGHT 7802 /* the sum of the weights above; demo_gen_init() checks it */

/*
 * Given-name characters by sex and by the fashion of the holder's birth years (before 1965,
 * 1965-1984, from 1985): 国/秀英 for the old, 伟/丽 in the middle, 浩宇/欣怡 for the young.
 * Each string is a run of 3-byte UTF-8 characters.
 */
static const char *const given_chars[2][3] = {
    { "国建军明华德文忠福林根荣发兴金水海祥富贵志强平生宝财才春松良永正仁义昌庆法伯炳",
      "伟勇军斌涛杰峰磊刚辉强波建华明亮俊东平健晓鹏飞超宏群锋剑毅浩勤卫忠坚",
      "浩宇杰磊鑫超涛鹏帆凯俊睿轩博晨昊逸航泽然宁天子一嘉豪哲铭翔阳成斌文彬楠" },
    { "秀英桂兰芳珍凤玉梅花菊娥香琴云莲翠素月美娣彩仙爱巧淑杏妹银惠",
      "丽红燕芳敏静霞娟萍艳玲莉华慧琴丹洁虹颖晓雅琳蓉晶瑛婷岚青珊媛",
      "婷雪欣怡佳琳悦璐瑶倩颖蕾薇晴雨诗梦静思萱涵彤妍琪菲露洁丹璇蓓" },
};

/* 字号: the distinctive part of a business name. */
static const char *const trade_names[] = {
    "恒通", "宏达", "鑫源", "永兴", "振华", "天和", "金盛", "瑞丰", "协力", "兴旺", "海鑫",
    "新光", "富华", "宏远", "华联", "国泰", "万利", "德润", "明辉", "天成", "恒昌", "永固",
    "利民", "盛达", "联众", "嘉禾", "锦程", "泰和", "宏昌", "腾飞", "益丰", "众鑫", "顺发",
    "博远", "安泰", "丰源", "金达", "华盛", "隆昌", "永盛", "鼎盛", "东升", "亚太", "龙腾",
    "凯达", "伟业", "汇通", "长兴",
};

static const char *const heavy_industry[] = {
    "化工", "钢铁", "水泥", "纺织", "造纸", "汽车零部件", "机械", "电子", "新材料", "印染",
    "铸造", "塑业", "电器", "食品", "建材", "金属制品",
};

static const char *const shops[] = {
    "超市", "便利店", "五金店", "饭店", "小吃店", "药店", "服装店", "理发店", "汽车修理店",
    "建材店", "农资店", "水果店",
};
static const char *const firm_trades[] = {
    "商贸", "超市", "餐饮管理", "酒店管理", "物业管理", "物流", "建材", "汽车销售服务",
};
static const char *const workshop_goods[] = {
    "五金", "纸箱", "服装", "竹木制品", "塑料制品", "机械配件", "水产加工",
};
static const char *const clinic_names[] = {
    "仁和", "康宁", "济民", "同仁", "益康", "安康", "德仁", "惠民",
};
static const char *const school_names[] = {
    "启航", "育才", "明德", "博文", "新知", "智远", "英才", "树人",
};

/* ---- addresses ---- */

static const char *const roads[] = {
    "人民", "解放", "中山", "建设", "新华", "文化", "迎宾", "环城", "滨江", "金山", "东门",
    "南门", "西门", "北门", "健康", "学前", "府前", "商贸", "振兴", "富强", "光明", "和平",
    "青年", "朝阳", "江滨", "春江", "体育", "育才", "胜利", "新安",
};
static const char *const industrial_roads[] = {
    "工业", "兴业", "创业", "科技", "开发", "园区", "发展", "经一", "经二", "纬一", "纬二",
    "滨海", "兴港", "富民", "创新", "聚贤",
};
static const char *const estates[] = {
    "阳光", "幸福", "和谐", "锦绣", "金色", "翠苑", "东方", "华庭", "江景", "桂花", "香樟",
    "丽园", "新城", "美都", "紫荆", "商城", "康乐", "春晖",
};
/* Village names: a first and a second character, from disjoint lists. */
static const char *const village_a[] = {
    "东", "西", "南", "北", "前", "后", "上", "下", "新", "大", "小", "石", "高", "黄", "金",
    "白", "青", "龙", "凤", "马", "桃", "柳", "杨", "梅", "竹", "横", "长", "里", "外", "双",
};
static const char *const village_b[] = {
    "岭", "湾", "山", "塘", "桥", "溪", "坑", "岙", "垟", "坪", "头", "湖", "畈", "坞", "田",
    "埠", "口", "洋", "岩", "港",
};

/* ---- telephones ---- */

static const uint16_t mobile_prefixes[] = {
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157,
    158, 159, 166, 170, 171, 172, 173, 174, 175, 176, 177, 178, 180, 181, 182, 183, 184,
    185, 186, 187, 188, 189, 191, 198, 199,
};

/* ---- equipment ---- */

/* Standard distribution-transformer sizes (kVA), the contract capacities of 大工业. */
static const int transformer_kva[] = {
    315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000,
};
static const int hv_small_kva[] = { 100, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250 };
static const int lv_business_kw[] = { 10, 15, 20, 30, 40, 50, 63, 80, 100, 125, 160 };
static const int farm_kw[] = { 10, 15, 20, 30, 50, 80, 100, 125, 160 };
static const int pump_kw[] = { 100, 125, 160, 200 };
static const int home_kw[] = { 4, 6, 8, 8, 8, 10, 10, 12 };
static const int home_3ph_kw[] = { 12, 16, 20, 25 };
/* Rated primary currents of current transformers (secondary 5 A). */
static const int ct_primary[] = {
    5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000,
};

static const char *const single_phase_models[] = { "DDZY102-Z", "DDZY285-Z", "DDZY71C-Z",
                                                   "DDZY1980-Z" };
static const char *const four_wire_models[] = { "DTZY341-Z", "DTZY719-Z", "DTZY1980-Z" };
static const char *const three_wire_models[] = { "DSZY331-Z", "DSZY719-Z" };

/* ---- fixed-size text building ---- */

struct text {
    char *buf;
    size_t cap, len;
};

#define TEXT(arr) { (arr), sizeof(arr), 0 }

static void add(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n >= t->cap)
        BUG("demo text overflow at '%s'", s);
    memcpy(t->buf + t->len, s, n + 1);
    t->len += n;
}

/* Append n in decimal, zero-padded to `width` digits (0: no padding). */
static void add_num(struct text *t, uint64_t n, int width)
{
    char tmp[24];
    int i = (int)sizeof(tmp) - 1;
    tmp[i] = '\0';
    do {
        tmp[--i] = (char)('0' + n % 10);
        n /= 10;
        width--;
    } while (n || width > 0);
    add(t, tmp + i);
}

/* ---- dates (proleptic Gregorian, days since 1970-01-01; Howard Hinnant's algorithms) ---- */

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void add_date(struct text *t, int64_t day, bool dashes)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    add_num(t, (uint64_t)y, 4);
    if (dashes)
        add(t, "-");
    add_num(t, (uint64_t)m, 2);
    if (dashes)
        add(t, "-");
    add_num(t, (uint64_t)d, 2);
}

#define BIRTH_FIRST_YEAR 1940
#define BIRTH_LAST_YEAR 2004
#define BIRTH_YEARS (BIRTH_LAST_YEAR - BIRTH_FIRST_YEAR + 1)

static int64_t last_day(void) { return days_from_civil(2024, 12, 31); } /* DEMO_LAST_DATE */

static int64_t draw_day(struct demo_rng *r, int64_t first, int64_t last)
{
    return first + (int64_t)demo_rng_below(r, (uint32_t)(last - first + 1));
}

/* ---- keyed permutations: unique identifiers that do not look sequential ---- */

/* A 4-round Feistel network on 2*half bits: a bijection of [0, 2^(2*half)). */
static uint64_t feistel(uint64_t x, unsigned half, const uint64_t key[4])
{
    uint64_t mask = (UINT64_C(1) << half) - 1;
    uint64_t l = (x >> half) & mask, r = x & mask;
    for (int i = 0; i < 4; i++) {
        uint64_t f = mix64(r ^ key[i]) & mask;
        uint64_t t = l ^ f;
        l = r;
        r = t;
    }
    return (l << half) | r;
}

/* A bijection of [0, n) by cycle walking (n <= 2^(2*half)). */
static uint64_t permute(uint64_t x, uint64_t n, unsigned half, const uint64_t key[4])
{
    do
        x = feistel(x, half, key);
    while (x >= n);
    return x;
}

/*
 * Birth slots: a year gets days × c(y) slots, c(y) rising from 300 in 1940 to 999 in 1968 and
 * falling to 350 in 2004, so holders are mostly middle-aged; the slot within a day is the
 * 3-digit order code of the ID number. A permutation of seq over all slots makes each
 * resident's (birth date, order code), and so the ID number, unique in the run.
 */
static uint32_t codes_per_day(int year)
{
    if (year <= 1968)
        return 300 + (uint32_t)(year - 1940) * (999 - 300) / 28;
    return 999 - (uint32_t)(year - 1968) * (999 - 350) / 36;
}

void demo_gen_init(struct demo_gen *g, uint64_t seed)
{
    memset(g, 0, sizeof(*g));
    g->seed = seed;
    uint64_t k = seed ^ UINT64_C(0x5049534445d0d0a1); /* "PMISDE" */
    for (int i = 0; i < 4; i++)
        g->id_key[i] = splitmix64(&k);
    for (int i = 0; i < 4; i++)
        g->org_key[i] = splitmix64(&k);
    uint32_t cum = 0;
    for (int y = BIRTH_FIRST_YEAR; y <= BIRTH_LAST_YEAR; y++) {
        g->birth_cum[y - BIRTH_FIRST_YEAR] = cum;
        int64_t days = days_from_civil(y + 1, 1, 1) - days_from_civil(y, 1, 1);
        cum += (uint32_t)days * codes_per_day(y);
    }
    g->birth_cum[BIRTH_YEARS] = cum;
    unsigned w = 0;
    for (size_t i = 0; i < ARRAY_SIZE(surnames); i++)
        w += surnames[i].w;
    if (w != SURNAME_WEIGHT)
        BUG("SURNAME_WEIGHT should be %u", w);
    /* the permutation below runs on 24 bits and must have a slot for every seq */
    if (cum > (UINT32_C(1) << 24) || cum <= (uint64_t)DEMO_MAX_SEQ)
        BUG("birth slots %" PRIu32 " out of range", cum);
}

/* GB 11643-1999 check character of the first 17 digits (ISO 7064 MOD 11-2). */
static char id_check(const char *d17)
{
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (d17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

/* Birth day and order code of resident `seq`; the code's parity is the sex (odd: male). */
static void birth_slot(const struct demo_gen *g, int64_t seq, int64_t *day, unsigned *code)
{
    uint32_t total = g->birth_cum[BIRTH_YEARS];
    uint32_t slot = (uint32_t)permute((uint64_t)seq, total, 12, g->id_key);
    int yi = 0;
    while (g->birth_cum[yi + 1] <= slot)
        yi++;
    uint32_t off = slot - g->birth_cum[yi];
    uint32_t per_day = codes_per_day(BIRTH_FIRST_YEAR + yi);
    *day = days_from_civil(BIRTH_FIRST_YEAR + yi, 1, 1) + off / per_day;
    *code = off % per_day + 1;
}

static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* GB 32100-2015 check character of the first 17 characters. */
static char uscc_check(const char *c17)
{
    static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(uscc_chars, c17[i]) - uscc_chars) * w[i];
    return uscc_chars[(31 - sum % 31) % 31];
}

/* `type` is the 2-character authority-and-kind prefix ("91"). */
static void make_uscc(const struct demo_gen *g, int64_t seq, const char *type, const char *region,
                      char out[19])
{
    struct text t = { out, 19, 0 };
    add(&t, type);
    add(&t, region);
    /* GB 11714 organisation code: 8 digits unique per seq, then its own check character */
    uint64_t body = permute((uint64_t)seq, UINT64_C(100000000), 14, g->org_key);
    char digits[9];
    struct text d = TEXT(digits);
    add_num(&d, body, 8);
    static const int w[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (digits[i] - '0') * w[i];
    int c = 11 - sum % 11;
    char org_check[2] = { c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c), 0 };
    add(&t, digits);
    add(&t, org_check);
    char check[2] = { uscc_check(out), 0 };
    add(&t, check);
}

/* ---- the customer ---- */

enum user_kind { RESIDENT, GENERAL_CI, LARGE_INDUSTRY, AGRICULTURE };

static const char *const kind_names[] = { "resident", "general_ci", "large_industry",
                                          "agriculture" };
static const char *const kind_tariffs[] = { "RES-TIER", "GCI-TOU", "LI-2PART", "AGR" };

/* A person's name for someone born on `birth_day` of sex `male`. */
static void person_name(struct demo_rng *r, bool male, int64_t birth_day, struct text *t)
{
    uint32_t x = demo_rng_below(r, SURNAME_WEIGHT), acc = 0;
    size_t i = 0;
    while (x >= (acc += surnames[i].w))
        i++;
    add(t, surnames[i].s);
    int y, m, d;
    civil_from_days(birth_day, &y, &m, &d);
    const char *chars = given_chars[male ? 0 : 1][y < 1965 ? 0 : y < 1985 ? 1 : 2];
    uint32_t n = (uint32_t)strlen(chars) / 3;
    uint32_t first = demo_rng_below(r, n);
    char c[4] = { chars[first * 3], chars[first * 3 + 1], chars[first * 3 + 2], 0 };
    add(t, c);
    if (chance(r, 7500)) { /* most given names have two characters */
        uint32_t second = demo_rng_below(r, n - 1);
        second += second >= first;
        char c2[4] = { chars[second * 3], chars[second * 3 + 1], chars[second * 3 + 2], 0 };
        add(t, c2);
    }
}

static void mobile(struct demo_rng *r, struct text *t)
{
    add_num(t, PICK(r, mobile_prefixes), 3);
    add_num(t, demo_rng_below(r, 100000000), 8);
}

static void landline(struct demo_rng *r, const struct demo_org *st, struct text *t)
{
    add(t, st->area_code);
    add(t, "-");
    add_num(t, range(r, 2, 8), 1);
    add_num(t, demo_rng_below(r, 10000000), 7);
}

static void town_prefix(const struct demo_org *st, struct text *t)
{
    add(t, st->province);
    add(t, st->city);
    add(t, st->county);
    add(t, st->town);
}

static void street_address(struct demo_rng *r, const struct demo_org *st, struct text *t)
{
    town_prefix(st, t);
    add(t, PICK(r, roads));
    add(t, "路");
    add_num(t, range(r, 1, 399), 0);
    add(t, "号");
}

static void home_address(struct demo_rng *r, const struct demo_org *st, struct text *t)
{
    street_address(r, st, t);
    if (chance(r, 2500))
        return; /* a house on the street */
    add(t, PICK(r, estates));
    add(t, "小区");
    add_num(t, range(r, 1, 30), 0);
    add(t, "幢");
    add_num(t, range(r, 1, 4), 0);
    add(t, "单元");
    uint32_t floors = chance(r, 7000) ? 6 : 18;
    add_num(t, range(r, 1, floors), 0);
    add_num(t, range(r, 1, 4), 2);
    add(t, "室");
}

static void village_name(struct demo_rng *r, struct text *t)
{
    add(t, PICK(r, village_a));
    add(t, PICK(r, village_b));
}

/* "…镇东岙村3组57号"; `village` holds the village name already drawn. */
static void village_address(struct demo_rng *r, const struct demo_org *st, const char *village,
                            bool group, struct text *t)
{
    town_prefix(st, t);
    add(t, village);
    add(t, "村");
    if (group) {
        add_num(t, range(r, 1, 15), 0);
        add(t, "组");
    }
    add_num(t, range(r, 1, 120), 0);
    add(t, "号");
}

static void industrial_address(struct demo_rng *r, const struct demo_org *st,
                               const struct county_info *ci, struct text *t)
{
    if (chance(r, 5000)) {
        add(t, st->province);
        add(t, st->city);
        add(t, st->county);
        add(t, ci->short_name);
        add(t, "经济开发区");
    } else {
        town_prefix(st, t);
        add(t, "工业功能区");
    }
    add(t, PICK(r, industrial_roads));
    add(t, "路");
    add_num(t, range(r, 1, 299), 0);
    add(t, "号");
}

/* The town without its 镇: "分水". */
static void town_short(const struct demo_org *st, struct text *t)
{
    char tmp[32];
    struct text s = TEXT(tmp);
    add(&s, st->town);
    if (s.len >= 3 && !strcmp(tmp + s.len - 3, "镇"))
        tmp[s.len - 3] = '\0';
    add(t, tmp);
}

/* The smallest standard CT whose primary carries `kva` at line voltage `volts`. */
static int ct_for(int kva, int volts)
{
    /* I = S / (√3 U), in integers: kva·10^6 / (1732·U) amperes, rounded up */
    int64_t num = (int64_t)kva * 1000000, den = (int64_t)1732 * volts;
    int64_t amps = (num + den - 1) / den;
    for (size_t i = 0; i < ARRAY_SIZE(ct_primary); i++)
        if (ct_primary[i] >= amps)
            return ct_primary[i];
    return ct_primary[ARRAY_SIZE(ct_primary) - 1];
}

/* Meter, transformers and registers for the account already in `c`. */
static void fill_meter(struct demo_rng *r, enum user_kind kind, int64_t opened,
                       struct demo_customer *c)
{
    int meter_class;
    int ct = 0, pt = 0;
    c->ct_ratio[0] = c->pt_ratio[0] = '\0';
    if (c->voltage_v == 220) {
        meter_class = 1;
        c->model = PICK(r, single_phase_models);
        c->meter_spec = "220V 5(60)A";
        c->accuracy = "2";
    } else if (c->voltage_v == 380) {
        c->model = PICK(r, four_wire_models);
        c->accuracy = kind == RESIDENT ? "2" : "1";
        if (c->capacity_kva <= 50) { /* up to a 100 A direct-connected meter */
            meter_class = 2;
            c->meter_spec = "3×220/380V 10(100)A";
        } else {
            meter_class = 3;
            c->meter_spec = "3×220/380V 1.5(6)A";
            ct = ct_for(c->capacity_kva, 380);
        }
    } else {
        meter_class = 4;
        ct = ct_for(c->capacity_kva, c->voltage_v);
        pt = c->voltage_v / 100;
        if (c->voltage_v >= 110000) { /* effectively earthed: three-phase four-wire */
            c->model = PICK(r, four_wire_models);
            c->meter_spec = "3×57.7/100V 1.5(6)A";
            c->accuracy = "0.2S";
        } else {
            c->model = PICK(r, three_wire_models);
            c->meter_spec = "3×100V 1.5(6)A";
            c->accuracy = "0.5S";
        }
    }
    c->phases = c->voltage_v == 220 ? 1 : 3;
    c->multiplier = 1;
    if (ct) {
        struct text t = TEXT(c->ct_ratio);
        add_num(&t, (uint64_t)ct, 0);
        add(&t, "/5");
        c->multiplier = ct / 5;
    }
    if (pt) {
        struct text t = TEXT(c->pt_ratio);
        add_num(&t, (uint64_t)c->voltage_v, 0);
        add(&t, "/100");
        c->multiplier *= pt;
    }
    switch (kind) {
    case RESIDENT: c->registers = "total,peak,valley"; break;
    case GENERAL_CI: c->registers = "total,sharp,peak,flat,valley,reactive"; break;
    case LARGE_INDUSTRY: c->registers = "total,sharp,peak,flat,valley,reactive,demand"; break;
    case AGRICULTURE: c->registers = c->pf_standard ? "total,reactive" : "total"; break;
    }

    /* smart meters replaced the old ones from 2012 on; never before the account opened */
    int64_t installed = draw_day(r, days_from_civil(2012, 1, 1), last_day());
    if (installed < opened)
        installed = opened;
    struct text it = TEXT(c->installed_on);
    add_date(&it, installed, true);
    int y, m, d;
    civil_from_days(installed, &y, &m, &d);

    struct text a = TEXT(c->asset_no);
    add(&a, "33");
    char cd[2] = { c->cust_no[2], 0 };
    add(&a, cd);
    add_num(&a, (uint64_t)meter_class, 1);
    add_num(&a, (uint64_t)(y % 100), 2);
    add_num(&a, range(r, 1, 40), 2);
    add_num(&a, (uint64_t)c->seq, 13);
    /* Luhn check digit over the 21 digits */
    int sum = 0;
    for (int i = 20, dbl = 1; i >= 0; i--, dbl = !dbl) {
        int v = c->asset_no[i] - '0';
        if (dbl && (v *= 2) > 9)
            v -= 9;
        sum += v;
    }
    add_num(&a, (uint64_t)((10 - sum % 10) % 10), 1);
}

static void resident(struct demo_rng *r, const struct demo_gen *g, const struct demo_org *st,
                     struct demo_customer *c, int64_t *opened)
{
    int64_t birth;
    unsigned code;
    birth_slot(g, c->seq, &birth, &code);
    struct text n = TEXT(c->name);
    person_name(r, code & 1, birth, &n);
    struct text ct = TEXT(c->contact);
    add(&ct, c->name);

    c->id_type = "id_card";
    struct text id = TEXT(c->id_number);
    add(&id, st->region);
    add_date(&id, birth, false);
    add_num(&id, code, 3);
    char check[2] = { id_check(c->id_number), 0 };
    add(&id, check);

    struct text a = TEXT(c->address);
    if (chance(r, 5000)) {
        home_address(r, st, &a);
    } else {
        char v[16];
        struct text vt = TEXT(v);
        village_name(r, &vt);
        village_address(r, st, v, true, &a);
    }
    struct text p = TEXT(c->phone);
    mobile(r, &p);

    /* an adult when the account was opened (18 years = 6575 days at most) */
    int64_t first = days_from_civil(1990, 1, 1);
    if (birth + 6575 > first)
        first = birth + 6575;
    *opened = draw_day(r, first, last_day());

    if (chance(r, 9600)) {
        c->voltage_v = 220;
        c->capacity_kva = PICK(r, home_kw);
    } else {
        c->voltage_v = 380;
        c->capacity_kva = PICK(r, home_3ph_kw);
    }
    c->pay_mode = chance(r, 1200) ? "prepaid" : "postpaid";
}

static void general_ci(struct demo_rng *r, const struct demo_gen *g, const struct demo_org *st,
                       const struct county_info *ci, struct demo_customer *c)
{
    struct text n = TEXT(c->name), a = TEXT(c->address);
    const char *type = "92";
    uint32_t form = demo_rng_below(r, 100);
    bool small = form < 40 || form >= 88; /* shops, clinics and schools */
    if (form < 40) { /* sole trader's shop: 桐庐县分水镇兴旺超市 */
        add(&n, st->county);
        add(&n, st->town);
        add(&n, PICK(r, trade_names));
        add(&n, PICK(r, shops));
        street_address(r, st, &a);
    } else if (form < 65) { /* company: 桐庐恒通商贸有限公司 */
        type = "91";
        add(&n, ci->short_name);
        add(&n, PICK(r, trade_names));
        if (chance(r, 2000)) {
            add(&n, "大酒店有限公司");
        } else {
            add(&n, PICK(r, firm_trades));
            add(&n, "有限公司");
        }
        street_address(r, st, &a);
    } else if (form < 88) { /* workshop: 平阳县鳌江镇兴旺五金厂, 象山海鑫水产加工厂 */
        if (chance(r, 5000)) {
            add(&n, st->county);
            add(&n, st->town);
        } else {
            add(&n, ci->short_name);
        }
        add(&n, PICK(r, trade_names));
        add(&n, chance(r, 3000) ? PICK(r, ci->industry) : PICK(r, workshop_goods));
        add(&n, "厂");
        industrial_address(r, st, ci, &a);
    } else if (form < 94) { /* clinic */
        type = "52";
        add(&n, st->county);
        add(&n, st->town);
        add(&n, PICK(r, clinic_names));
        add(&n, "诊所");
        street_address(r, st, &a);
    } else { /* private school */
        type = "52";
        add(&n, ci->short_name);
        add(&n, PICK(r, school_names));
        add(&n, "培训学校");
        street_address(r, st, &a);
    }
    c->id_type = "uscc";
    make_uscc(g, c->seq, type, st->region, c->id_number);

    if (small) {
        c->voltage_v = 380;
        c->capacity_kva = lv_business_kw[demo_rng_below(r, 6)]; /* 10 .. 50 kW */
    } else if (chance(r, 7500)) {
        c->voltage_v = 380;
        c->capacity_kva = PICK(r, lv_business_kw);
    } else {
        c->voltage_v = 10000;
        c->capacity_kva = PICK(r, hv_small_kva);
    }
    c->pf_standard = c->capacity_kva >= 100 ? 85 : 0;
    c->important = chance(r, 20);
    c->pay_mode = chance(r, 800) ? "prepaid" : "postpaid";
}

static void large_industry(struct demo_rng *r, const struct demo_gen *g,
                           const struct demo_org *st, const struct county_info *ci,
                           struct demo_customer *c)
{
    struct text n = TEXT(c->name), a = TEXT(c->address);
    bool provincial = chance(r, 3000);
    add(&n, provincial ? "浙江" : ci->short_name);
    add(&n, PICK(r, trade_names));
    add(&n, chance(r, 5000) ? PICK(r, ci->industry) : PICK(r, heavy_industry));
    add(&n, provincial && chance(r, 6000) ? "股份有限公司" : "有限公司");
    industrial_address(r, st, ci, &a);
    c->id_type = "uscc";
    make_uscc(g, c->seq, "91", st->region, c->id_number);

    uint32_t v = demo_rng_below(r, 100);
    size_t lo, hi; /* index range into transformer_kva */
    if (v < 75) {
        c->voltage_v = 10000;
        lo = 0; /* 315 .. 4000 */
        hi = 11;
    } else if (v < 95) {
        c->voltage_v = 35000;
        lo = 8; /* 2000 .. 10000 */
        hi = 15;
    } else {
        c->voltage_v = 110000;
        lo = 13; /* 6300 .. 10000 */
        hi = 15;
    }
    c->capacity_kva = transformer_kva[range(r, (uint32_t)lo, (uint32_t)hi)];
    /* 两部制 basic charge by capacity or by contract demand, at least 40% of capacity */
    if (chance(r, 4000)) {
        c->basic_by = "demand";
        c->demand_kw = (int)((int64_t)c->capacity_kva * range(r, 40, 90) / 100 / 10 * 10);
    } else {
        c->basic_by = "capacity";
    }
    c->pf_standard = 90; /* 大工业 of 160 kVA and above */
    c->important = chance(r, 300);
    c->pay_mode = "postpaid";
}

static void agriculture(struct demo_rng *r, const struct demo_gen *g, const struct demo_org *st,
                        const struct county_info *ci, struct demo_customer *c)
{
    struct text n = TEXT(c->name), a = TEXT(c->address);
    char village[16];
    struct text vt = TEXT(village);
    village_name(r, &vt);
    const char *type;
    bool pumping = false;
    uint32_t form = demo_rng_below(r, 100);
    if (form < 35) { /* irrigation and drainage: 平阳县萧江镇东岙村排灌站 */
        pumping = true;
        type = "N2";
        add(&n, st->county);
        add(&n, st->town);
        add(&n, village);
        add(&n, "村排灌站");
    } else if (form < 55) { /* village collective: 永嘉县桥头镇横坑村股份经济合作社 */
        type = "N2";
        add(&n, st->county);
        add(&n, st->town);
        add(&n, village);
        add(&n, chance(r, 6000) ? "村股份经济合作社" : "村经济合作社");
    } else if (form < 75) { /* farmers' cooperative: 余姚鑫源杨梅专业合作社 */
        type = "93";
        add(&n, ci->short_name);
        add(&n, PICK(r, trade_names));
        add(&n, PICK(r, ci->produce));
        add(&n, "专业合作社");
    } else if (form < 90) { /* family farm or breeding farm */
        type = "92";
        add(&n, st->county);
        add(&n, st->town);
        add(&n, PICK(r, trade_names));
        add(&n, chance(r, 5000) ? "家庭农场" : "养殖场");
    } else { /* tea factory: 淳安恒通茶厂 */
        type = "91";
        add(&n, ci->short_name);
        town_short(st, &n);
        add(&n, PICK(r, trade_names));
        add(&n, "茶厂");
    }
    village_address(r, st, village, false, &a);
    c->id_type = "uscc";
    make_uscc(g, c->seq, type, st->region, c->id_number);

    c->voltage_v = 380;
    if (pumping) {
        c->capacity_kva = PICK(r, pump_kw);
        c->pf_standard = 80; /* 农业排灌 */
    } else {
        c->capacity_kva = PICK(r, farm_kw);
        c->pf_standard = c->capacity_kva >= 100 ? 85 : 0;
    }
    c->important = chance(r, 20);
    c->pay_mode = chance(r, 300) ? "prepaid" : "postpaid";
}

int demo_customer(const struct demo_gen *g, int64_t seq, const struct demo_org *station,
                  struct demo_customer *out, struct err *err)
{
    if (seq < 0 || seq > DEMO_MAX_SEQ)
        return error(err, ERR_INVALID, "demo customer number '%" PRId64 "' is not in 0..%" PRId64,
                     seq, DEMO_MAX_SEQ);
    if (station) {
        bool ours = false;
        for (size_t i = 0; i < ARRAY_SIZE(orgs) && !ours; i++)
            ours = station == &orgs[i];
        if (!ours && !(station = demo_org_find(station->code))) /* a copy: use the table's */
            return error(err, ERR_INVALID, "demo org is not in the demo tree");
    }
    if (station && strcmp(station->level, "station"))
        return error(err, ERR_INVALID, "demo org '%s' is a %s, not a station", station->code,
                     station->level);

    struct demo_rng rng;
    demo_rng_seed(&rng, g->seed ^ mix64((uint64_t)seq + UINT64_C(0x632be59bd9b4e019)));
    struct demo_rng *r = &rng;
    /* always drawn, so that naming the station it would draw changes nothing */
    const struct demo_org *drawn = demo_pick_station(r);
    if (!station)
        station = drawn;
    const struct county_info *ci = county_of(station);

    struct demo_customer *c = out;
    memset(c, 0, sizeof(*c));
    c->seq = seq;
    c->station = station;
    struct text no = TEXT(c->cust_no);
    add(&no, "33");
    char cd[2] = { ci->city_digit, 0 };
    add(&no, cd);
    add_num(&no, (uint64_t)seq, 7);
    c->basic_by = "";

    uint32_t x = demo_rng_below(r, 10000);
    enum user_kind kind = x < 9000 ? RESIDENT : x < 9800 ? GENERAL_CI
                        : x < 9900 ? LARGE_INDUSTRY : AGRICULTURE;
    int64_t opened = draw_day(r, days_from_civil(1995, 1, 1), last_day());
    switch (kind) {
    case RESIDENT: resident(r, g, station, c, &opened); break;
    case GENERAL_CI: general_ci(r, g, station, ci, c); break;
    case LARGE_INDUSTRY: large_industry(r, g, station, ci, c); break;
    case AGRICULTURE: agriculture(r, g, station, ci, c); break;
    }
    c->user_type = kind_names[kind];
    c->tariff_code = kind_tariffs[kind];
    c->voltage = c->voltage_v == 220     ? "220V"
                 : c->voltage_v == 380   ? "380V"
                 : c->voltage_v == 10000 ? "10kV"
                 : c->voltage_v == 35000 ? "35kV"
                                         : "110kV";
    if (kind != RESIDENT) {
        struct text ct = TEXT(c->contact);
        person_name(r, chance(r, 7000), draw_day(r, days_from_civil(1955, 1, 1),
                                                   days_from_civil(1995, 12, 31)), &ct);
        struct text p = TEXT(c->phone);
        if (kind == LARGE_INDUSTRY || (kind == GENERAL_CI && chance(r, 5000)))
            landline(r, station, &p);
        else
            mobile(r, &p);
    }
    struct text od = TEXT(c->opened_on);
    add_date(&od, opened, true);
    c->cycle_day = (int)range(r, 1, 28);
    fill_meter(r, kind, opened, c);
    return 0;
}
