-- 0038 receivable fillfactor: on PostgreSQL, leave half of each page of receivable and
-- account_balance free. The nightly late-fee accrual and a batch of payments update every row
-- of a page of them (fees, paid amounts, balances: columns no index holds, settled_on staying
-- NULL), so with room for one more version of each row the new versions stay on their page
-- (HOT updates): no new entries in the three indexes of receivable or the key of
-- account_balance, and the old versions are pruned from the page by the next update once their
-- transaction is over. With full pages (the default 100) nearly every such update moved the row
-- and inserted index entries. The price is space: receivable and account_balance take about
-- twice the pages. Pages written before this migration keep their rows until they are
-- rewritten (VACUUM FULL). SQLite has no such setting.
-- @pg
ALTER TABLE receivable SET (fillfactor = 50);
ALTER TABLE account_balance SET (fillfactor = 50);
-- @both
