UPDATE pgbench_accounts SET abalance = abalance + -2104 WHERE aid = 48213;
