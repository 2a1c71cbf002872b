-- 0026 crew:work (issue 5/7): the field crew's own permission, so that the web UI offers the
-- crew's phone page (my repair orders) to field crews rather than to everyone who may work on
-- orders (ticket:write, which service agents and managers hold too). The routes the page calls
-- keep their own permissions (ticket:read, ticket:write); the administrator holds every
-- permission already. A custom role may be given it like any other.
INSERT INTO role_perm (role_id, perm)
SELECT r.id, 'crew:work' FROM role r WHERE r.code = 'field_crew';
