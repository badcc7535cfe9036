"""Local emulations of AWS services that moto does not implement, for tests and the demo."""
