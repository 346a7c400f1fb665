"""Birmingham sanctuary promise tracker. Empty on purpose: importing a parser loads no web app."""
