"""Market inputs, fitted to real quotes: option-quote files (quotes), THE SPX surface (surface),
the VX futures curve and VIX option smile (vix_curve). Pure domain code: no Slack, no database."""
