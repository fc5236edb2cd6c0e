"""Sample data of real Vietnamese publications and libraries, written for the demo and the tests."""
