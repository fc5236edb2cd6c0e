"""Linked open data platform for Vietnam's library network."""
