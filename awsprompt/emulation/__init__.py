"""Local emulations of AWS services (moto, the sign-in federation endpoint, IAM Identity
Center) for the tests, the demo and the benchmarks."""
