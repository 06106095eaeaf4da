"""Fill a .po file of crm_lifecycle from a JSON dictionary of translations.

    python tools/i18n_fill.py crm_lifecycle/i18n/tr.po translations.json [--overwrite]

The JSON maps each msgid of the template to its translation.  Only entries of
the .po are filled (run tools/i18n first so that it holds every term of the
.pot); empty translations are left alone; existing ones are kept unless
--overwrite is given.  The header gets the Language and Plural-Forms of the
file's language, fuzzy flags are dropped from the entries it fills, and the
terms still missing are listed at the end.
"""

import argparse
import json
import os
import sys

import polib

LANGUAGE_TEAMS = {"tr": "Turkish", "el": "Greek", "fa": "Persian"}
PLURAL_FORMS = {
    "tr": "nplurals=2; plural=(n != 1);",
    "el": "nplurals=2; plural=(n != 1);",
    "fa": "nplurals=2; plural=(n > 1);",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("po")
    parser.add_argument("translations")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()

    lang = os.path.splitext(os.path.basename(args.po))[0]
    with open(args.translations, encoding="utf-8") as handle:
        translations = json.load(handle)
    po = polib.pofile(args.po, wrapwidth=78)
    po.metadata["Language"] = lang
    if lang in LANGUAGE_TEAMS and not po.metadata.get("Language-Team"):
        po.metadata["Language-Team"] = LANGUAGE_TEAMS[lang]
    if lang in PLURAL_FORMS:
        po.metadata["Plural-Forms"] = PLURAL_FORMS[lang]

    filled = 0
    for entry in po:
        if entry.obsolete or not translations.get(entry.msgid):
            continue
        if entry.msgstr and not entry.fuzzy and not args.overwrite:
            continue
        entry.msgstr = translations[entry.msgid]
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
        filled += 1
    unknown = set(translations) - {entry.msgid for entry in po}
    po.save(args.po)

    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    print(f"{args.po}: {filled} filled, {len(missing)} missing")
    for msgid in unknown:
        print(f"  not in the .po (ignored): {msgid[:70]!r}")
    for msgid in missing:
        print(f"  missing: {msgid[:70]!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
