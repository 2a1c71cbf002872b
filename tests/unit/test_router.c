/*
 * Unit tests for the router's path matching (api/router.c): literal and {param} segments,
 * method resolution (404 vs 405), and the route table's own consistency.
 */
#include "core/common.h"
#include "api/api.h"

#include <setjmp.h>
#include <cmocka.h>

static void test_match(void **state)
{
    UNUSED(state);
    struct arena a = ARENA_INIT;
    struct route_params p;
    assert_true(route_match("/healthz", "/healthz", &p, &a));
    assert_int_equal(p.n, 0);
    assert_false(route_match("/healthz", "/healthz/", &p, &a));
    assert_false(route_match("/healthz", "/health", &p, &a));
    assert_true(route_match("/api/v1/customers/{id}", "/api/v1/customers/1000000000", &p, &a));
    assert_int_equal(p.n, 1);
    assert_string_equal(p.name[0], "id");
    assert_string_equal(p.value[0], "1000000000");
    assert_false(route_match("/api/v1/customers/{id}", "/api/v1/customers/", &p, &a));
    assert_false(route_match("/api/v1/customers/{id}", "/api/v1/customers/1/x", &p, &a));
    assert_true(route_match("/c/{id}/pii/{field}", "/c/' OR 1=1/pii/phone", &p, &a));
    assert_int_equal(p.n, 2);
    assert_string_equal(p.value[0], "' OR 1=1");
    assert_string_equal(p.value[1], "phone");
    assert_false(route_match("/c/{id}/pii/{field}", "/c/1/pix/phone", &p, &a));
    arena_release(&a);
}

static void test_find(void **state)
{
    UNUSED(state);
    struct arena a = ARENA_INIT;
    struct route_params p;
    int i = route_find("GET", "/api/v1/customers/42", &p, &a);
    assert_true(i >= 0);
    assert_string_equal(api_routes[i].pattern, "/api/v1/customers/{id}");
    i = route_find("POST", "/api/v1/customers", &p, &a);
    assert_true(i >= 0);
    assert_true(api_routes[i].flags & R_WRITE);
    assert_int_equal(route_find("DELETE", "/api/v1/customers/42", &p, &a), -2);
    assert_int_equal(p.n, 0);
    assert_int_equal(route_find("GET", "/api/v2/customers", &p, &a), -1);
    /* the literal route is not shadowed by a parameter route */
    i = route_find("GET", "/api/v1/customers/42/accounts", &p, &a);
    assert_string_equal(api_routes[i].pattern, "/api/v1/customers/{id}/accounts");
    /* the service centre's literal routes come before their {id} neighbours */
    i = route_find("GET", "/api/v1/tickets/escalations", &p, &a);
    assert_string_equal(api_routes[i].name, "api_escalation_list");
    i = route_find("GET", "/api/v1/outages/lookup", &p, &a);
    assert_string_equal(api_routes[i].name, "api_outage_lookup");
    i = route_find("POST", "/api/v1/tickets/7/classify", &p, &a);
    assert_string_equal(api_routes[i].name, "api_ticket_classify");
    assert_string_equal(p.value[0], "7");
    assert_int_equal(route_find("GET", "/api/v1/tickets/7/classify", &p, &a), -2);
    /* DELETE rows: a custom role, a calendar day */
    i = route_find("DELETE", "/api/v1/roles/inspector", &p, &a);
    assert_string_equal(api_routes[i].name, "api_role_delete");
    i = route_find("DELETE", "/api/v1/calendar/days/2025-10-11", &p, &a);
    assert_string_equal(api_routes[i].name, "api_calendar_remove");
    assert_string_equal(p.value[0], "2025-10-11");
    arena_release(&a);
}

/* Every row is sane: writes are POST, PATCH or DELETE, public routes need no permission, no
 * duplicates. */
static void test_table(void **state)
{
    UNUSED(state);
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct route *r = &api_routes[i];
        bool post = !strcmp(r->method, "POST") || !strcmp(r->method, "PATCH") ||
                    !strcmp(r->method, "DELETE");
        assert_true(post || !strcmp(r->method, "GET"));
        if ((r->flags & R_WRITE) || (r->flags & R_JSON))
            assert_true(post);
        if (r->flags & R_PUBLIC)
            assert_int_equal(r->perm, PERM_ANY);
        if (post && !(r->flags & R_PUBLIC))
            assert_true(r->flags & R_WRITE); /* every authenticated POST is CSRF-checked */
        for (size_t j = 0; j < i; j++)
            assert_false(!strcmp(r->method, api_routes[j].method) &&
                         !strcmp(r->pattern, api_routes[j].pattern));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
