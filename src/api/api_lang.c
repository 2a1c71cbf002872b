/*
 * The caller's language for error replies: Accept-Language (RFC 9110 §12.5.4, q-values read
 * simply) picks Chinese or English; English is the default. The JSON error object is built
 * here for the router and the few handlers that add members to it.
 */
#include "core/common.h"
#include "api/api.h"

/* One language range "zh-CN;q=0.8": its q (0..1000) if it is zh* or en*, else -1. */
static int range_q(const char *s, size_t n, bool *zh)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    size_t tag = 0;
    while (tag < n && s[tag] != ';' && s[tag] != ' ' && s[tag] != '\t')
        tag++;
    bool is_zh = tag >= 2 && !strncasecmp(s, "zh", 2) && (tag == 2 || s[2] == '-');
    bool is_en = tag >= 2 && !strncasecmp(s, "en", 2) && (tag == 2 || s[2] == '-');
    if (!is_zh && !is_en)
        return -1;
    *zh = is_zh;
    int q = 1000;
    for (size_t i = tag; i + 1 < n; i++) {
        if ((s[i] == 'q' || s[i] == 'Q') && s[i + 1] == '=') {
            /* "0", "0.5", "1", "1.000": three decimals at most */
            const char *p = s + i + 2, *end = s + n;
            q = 0;
            if (p < end && *p == '1') {
                q = 1000;
            } else if (p < end && *p == '0') {
                p++;
                if (p < end && *p == '.') {
                    int scale = 100;
                    for (p++; p < end && scale && *p >= '0' && *p <= '9'; p++, scale /= 10)
                        q += (*p - '0') * scale;
                }
            }
            break;
        }
    }
    return q;
}

bool api_accept_zh(const char *header)
{
    int best = 0;
    bool zh = false;
    for (const char *p = header; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        bool is_zh = false;
        int q = range_q(p, n, &is_zh);
        if (q > best) { /* the first of equal q wins */
            best = q;
            zh = is_zh;
        }
        p = comma ? comma + 1 : NULL;
    }
    return zh;
}

bool api_lang_zh(struct api_req *r)
{
    return api_accept_zh(api_header(r, "Accept-Language"));
}

void api_json_lang(struct api_req *r, json_t *j, const char *key, const char *en, const char *zh)
{
    if (en && zh && *zh && api_lang_zh(r)) {
        char k[64];
        json_object_set_new(j, key, json_string(zh));
        snprintf(k, sizeof(k), "%s_en", key);
        json_object_set_new(j, k, json_string(en));
    } else {
        json_object_set_new(j, key, api_json_str(en));
    }
}

json_t *api_error_object(struct api_req *r, int rc, const char *msg_en, const char *msg_zh)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(err_code_name(rc)));
    /* json_string() is NULL if the text is not UTF-8: never echo such bytes */
    json_t *en = json_string(msg_en);
    if (!en)
        en = json_string(err_default_text(rc));
    json_t *zh = msg_zh && *msg_zh && api_lang_zh(r) ? json_string(msg_zh) : NULL;
    if (zh) {
        json_object_set_new(e, "message", zh);
        json_object_set_new(e, "message_en", en);
    } else {
        json_object_set_new(e, "message", en);
    }
    if (r->err.field[0])
        json_object_set_new(e, "field", json_string(r->err.field));
    return e;
}
