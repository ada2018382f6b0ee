"""OpenSCG: live smartphone seismocardiography server."""

__version__ = "0.1.0"
