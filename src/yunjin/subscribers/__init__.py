"""Subscribers: regions, households, devices, products, entitlements, logins and leases."""
