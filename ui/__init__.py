"""UI helpers shared by every page, grouped by what a change touches: widgets/ (what the user
sets), links/ (classroom links), views/ (what the user sees), exports/ (files from a result);
at the top the translations (i18n), number formatting, errors, kept state and the one compute
call per configuration.

Nothing in here computes a number the app shows; that is `pooling_core`'s job.
"""
