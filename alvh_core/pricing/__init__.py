"""Option pricing: BSM and Black-76 with greeks, implied vol, the SPX smile, the VIX futures curve
and smile, and expiry-date rules. Pure functions over numpy arrays; units as in alvh_core.models."""
