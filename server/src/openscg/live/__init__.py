"""Live path: broker (between processes), hub (fan-out inside one), capture and watch sockets."""
