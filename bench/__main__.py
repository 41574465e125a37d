"""`make bench`: the mixed Locust scenario (bench/mixed.py); other benches run as modules."""
from bench.mixed import main

main()
