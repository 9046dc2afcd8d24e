-- wrk script for the console's pages: every request carries the session cookie of BENCH_COOKIE
-- (a console sign-in made by bench/run); the RESULT line as for the API's targets.

wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

dofile(os.getenv("BENCH_LIB") .. "/report.lua")
