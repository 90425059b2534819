#!/bin/sh
# dist/Permanence.app (built on a Mac by `python3 dev.py package`) → dist/Permanence-VERSION.dmg,
# signed and notarised when the identities are given. Written from Apple's documentation;
# not run on the machine where this project is developed (see README, Installable builds).
#
#   sh packaging/macos/make_dmg.sh
#   SIGN_IDENTITY="Developer ID Application: NAME (TEAMID)" NOTARY_PROFILE=permanence \
#       sh packaging/macos/make_dmg.sh
#
# NOTARY_PROFILE: a notarytool keychain profile, stored once with
#   xcrun notarytool store-credentials permanence --apple-id ID --team-id TEAMID
# (it asks for an app-specific password of that Apple ID).
set -eu

app="dist/Permanence.app"
if [ ! -d "$app" ]; then
    echo "No $app: build it first with python3 dev.py package (on a Mac)." >&2
    exit 2
fi
version=$(/usr/libexec/PlistBuddy -c "Print CFBundleShortVersionString" "$app/Contents/Info.plist")
dmg="dist/Permanence-$version.dmg"

if [ -n "${SIGN_IDENTITY:-}" ]; then
    # The hardened runtime and a timestamp: both required by notarisation.
    codesign --deep --force --options runtime --timestamp --sign "$SIGN_IDENTITY" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
fi

# The disk image holds the application alone: it installs per user by being dragged to
# ~/Applications (or anywhere the user may write); no administrator rights.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
hdiutil create -volname Permanence -srcfolder "$staging" -ov -format UDZO "$dmg"

if [ -n "${SIGN_IDENTITY:-}" ]; then
    codesign --sign "$SIGN_IDENTITY" --timestamp "$dmg"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose "$dmg"
fi
echo "$dmg"
