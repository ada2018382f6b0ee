"""The load benchmark's parts (bench/load.py is the command): a lean WebSocket client (wire), the simulated
phones and viewers (clients), the scenarios played inside the generator process (scenarios), the servers
under test (servers) and the report (report). See bench/README-load.md."""
