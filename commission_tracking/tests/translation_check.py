"""Check that every translatable term of an add-on has a Vietnamese translation."""

import os
import re

import polib

from odoo.modules.module import get_module_path
from odoo.tools.translate import TranslationModuleReader

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd%]")


def missing_vietnamese(env, module):
    """Return (untranslated terms, terms whose placeholders differ) of ``module``."""
    path = os.path.join(get_module_path(module), "i18n", "vi.po")
    catalogue = {entry.msgid: entry.msgstr for entry in polib.pofile(path) if not entry.obsolete}
    sources = {
        source for _m, _t, _n, _r, source, _v, _c in TranslationModuleReader(env.cr, [module])
    }
    missing = sorted(source for source in sources if not catalogue.get(source))
    broken = sorted(
        source
        for source in sources
        if catalogue.get(source)
        and sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(catalogue[source]))
    )
    return missing, broken
