/*
 * POST /api/v1/applications/{id}/pause and …/resume {"note"} (issue 6 §5, as `pmis apply
 * pause|resume`): waiting for the customer stops an open application's clocks, resuming restarts
 * them with the deadlines moved by the pause. 409 when the application is already (or not)
 * paused, completed or cancelled; another subtree's application is 404 like a missing one (the
 * domain reads it in the ctx's scope). The reply is the application as GET shows it.
 */
#include "core/common.h"
#include "api/api.h"
#include "domain/apply.h"

static int set_pause(struct api_req *r,
                     int (*fn)(struct ctx *, int64_t, const char *, struct err *))
{
    static const char *const known[] = { "note", NULL };
    const char *note;
    int64_t id;
    int rc;
    if ((rc = api_param_id(r, "application", &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "note", false, &note)) || (rc = fn(&r->ctx, id, note, &r->err)))
        return rc;
    return api_apply_reply(r, 200, id);
}

int api_apply_pause(struct api_req *r)
{
    return set_pause(r, apply_pause);
}

int api_apply_resume(struct api_req *r)
{
    return set_pause(r, apply_resume);
}
