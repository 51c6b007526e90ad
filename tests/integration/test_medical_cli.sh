# Recognition profiles and vocabulary from the command line (docs/MEDICAL.md):
# a made-up drug name is recognised only when listed with --vocabulary; the
# medical profile knows clinical words the general model lacks; `lm build`
# makes a profile that `transcribe --profile` uses.
. "$(dirname "$0")/lib.sh"
P=$PHISCRIBE

flite -voice slt -t "start zorbitrex twenty milligrams daily" -o "$T/zorb.wav"
expect_exit 0 "$P" transcribe --format text --profile medical "$T/zorb.wav"
grep -qi zorbitrex "$T/stdout" && fail "zorbitrex recognised without --vocabulary"
ok "unseen word not recognised by default"
expect_exit 0 "$P" transcribe --format text --no-smart-format --profile medical --vocabulary velunafil,Zorbitrex "$T/zorb.wav"
grep -q "zorbitrex twenty milligrams" "$T/stdout" || { cat "$T/stdout"; fail "--vocabulary did not make zorbitrex recognisable"; }
ok "--vocabulary makes an unseen word recognisable"
expect_exit 0 "$P" transcribe --format text --profile general --vocabulary zorbitrex "$T/zorb.wav"
grep -qi zorbitrex "$T/stdout" || fail "--vocabulary without a profile"
ok "--vocabulary over the general model"
expect_exit 2 "$P" transcribe --format text --vocabulary "bad word!" "$T/zorb.wav"
ok "a vocabulary entry that is not a word is a usage error"

flite -voice awb -t "continue furosemide forty milligrams daily" -o "$T/furo.wav"
expect_exit 0 "$P" transcribe --format text --profile general "$T/furo.wav"
grep -qi furosemide "$T/stdout" && fail "general model knows furosemide?"
expect_exit 0 "$P" transcribe --format text --profile medical "$T/furo.wav"
grep -qi furosemide "$T/stdout" || { cat "$T/stdout"; fail "medical profile missed furosemide"; }
ok "the medical profile recognises a drug the general model lacks"

printf 'start the patient on brenticap\nbrenticap ten milligrams daily\nbrenticap\n' >"$T/notes.txt"
expect_exit 0 "$P" lm build "$T/notes.txt" --out "$T/prof" --base medical --weight 0.3
[ -s "$T/prof/lm.arpa" ] && grep -q "^brenticap " "$T/prof/words.dict" || fail "lm build output"
grep -q "^base = medical" "$T/prof/profile.conf" || fail "profile.conf"
flite -voice rms -t "brenticap ten milligrams daily" -o "$T/bren.wav"
expect_exit 0 "$P" transcribe --format text --profile "$T/prof" "$T/bren.wav"
grep -qi brenticap "$T/stdout" || { cat "$T/stdout"; fail "customer profile word not recognised"; }
ok "lm build makes a profile that transcribe --profile uses"
# magnetite is in the general dictionary but not in the medical profile's
# merged model, so neither its words.dict nor the decoder's trimmed
# dictionary has it (docs/ENGINE.md, "The decoder's dictionary"): the whole
# dictionary gives its pronunciation, for a profile's model and for
# --vocabulary alike.
med=${PHISCRIBE_MEDICAL_PROFILE:-$(dirname "$0")/../../build/medical}
[ -s "$med/decoder.dict" ] || fail "no decoder.dict in $med"
grep -q "^magnetite " "$med/decoder.dict" && fail "decoder.dict has magnetite: pick another word"
printf 'start the patient on magnetite\nmagnetite twenty milligrams daily\nmagnetite\n' >"$T/mag.txt"
expect_exit 0 "$P" lm build "$T/mag.txt" --out "$T/magprof" --base medical --weight 0.3
grep -q "^magnetite " "$T/magprof/words.dict" && fail "words.dict has magnetite: the test no longer tests the lookup"
flite -voice slt -t "start magnetite twenty milligrams daily" -o "$T/mag.wav"
expect_exit 0 "$P" transcribe --format text --no-smart-format --profile "$T/magprof" "$T/mag.wav"
grep -q "magnetite twenty" "$T/stdout" || { cat "$T/stdout"; fail "profile word outside the trimmed dictionary"; }
expect_exit 0 "$P" transcribe --format text --no-smart-format --vocabulary magnetite "$T/mag.wav"
grep -q "magnetite twenty" "$T/stdout" || { cat "$T/stdout"; fail "vocabulary word outside the trimmed dictionary"; }
ok "words outside the trimmed dictionary take the whole dictionary's pronunciation"
# --search fast loads the smaller fast.dict (the merged model's likeliest
# words; docs/ENGINE.md, "Search modes"). cheekbone is in the model and in
# decoder.dict but not in fast.dict: the default search hears it, the fast
# one cannot, until --vocabulary or a profile's model names it, when the
# whole dictionary gives its pronunciation.
grep -q "^fast_dict = fast.dict" "$med/profile.conf" || fail "profile.conf names no fast.dict"
grep -q "^cheekbone " "$med/decoder.dict" || fail "decoder.dict lacks cheekbone: pick another word"
grep -q "^cheekbone " "$med/fast.dict" && fail "fast.dict has cheekbone: pick another word"
# every word of the profile's own model that decoder.dict has is in fast.dict
awk '/^\\1-grams:/ { f = 1; next } /^\\/ { f = 0 } f && NF >= 2 { print $2 }' "$med/lm.arpa" | sort -u >"$T/pw"
for d in decoder fast; do cut -d' ' -f1 "$med/$d.dict" | sed 's/(.*//' | sort -u >"$T/$d.words"; done
[ "$(comm -12 "$T/pw" "$T/decoder.words" | wc -l)" -gt 1000 ] || fail "few profile words in decoder.dict"
missing=$(comm -12 "$T/pw" "$T/decoder.words" | comm -23 - "$T/fast.words" | head -n 5)
[ -z "$missing" ] || fail "profile words missing from fast.dict: $missing"
[ "$(wc -l <"$med/fast.dict")" -lt "$(wc -l <"$med/decoder.dict")" ] || fail "fast.dict is not smaller"
flite -voice rms -t "the patient fractured her left cheekbone last week" -o "$T/cheek.wav"
expect_exit 0 "$P" transcribe --format text --no-smart-format "$T/cheek.wav"
grep -q "left cheekbone last" "$T/stdout" || { cat "$T/stdout"; fail "default search missed cheekbone"; }
expect_exit 0 "$P" transcribe --format text --no-smart-format --search fast "$T/cheek.wav"
grep -q "cheekbone" "$T/stdout" && fail "fast search heard cheekbone: is fast.dict loaded?"
expect_exit 0 "$P" transcribe --format text --no-smart-format --search fast --vocabulary cheekbone "$T/cheek.wav"
grep -q "left cheekbone last" "$T/stdout" || { cat "$T/stdout"; fail "fast search: vocabulary word outside fast.dict"; }
printf 'the patient fractured her cheekbone\ncheekbone fracture on the left\ncheekbone\n' >"$T/cheek.txt"
expect_exit 0 "$P" lm build "$T/cheek.txt" --out "$T/cheekprof" --base medical --weight 0.3
grep -q "^cheekbone " "$T/cheekprof/words.dict" && fail "words.dict has cheekbone: the test no longer tests the lookup"
expect_exit 0 "$P" transcribe --format text --no-smart-format --search fast --profile "$T/cheekprof" "$T/cheek.wav"
grep -q "left cheekbone last" "$T/stdout" || { cat "$T/stdout"; fail "fast search: profile word outside fast.dict"; }
ok "the fast search's smaller dictionary: its missing words come back through --vocabulary and profiles"
# A decimal's "point" said slowly, its diphthong as two vowels ("po-int"),
# as flite's slt voice says it: with the general dictionary's P OY N T alone
# the medical profile heard "seven plane five milligrams" and "potassium
# three blind floor". data/medical/pronunciations.txt's variants, added to
# both decoder dictionaries, hear the point (docs/MEDICAL.md, "Pronunciation
# variants").
for d in decoder fast; do
    grep -q "^point(2) P OY AH N T$" "$med/$d.dict" || fail "$d.dict lacks point's variant"
    [ "$(grep -c "^point(2) " "$med/$d.dict")" = 1 ] || fail "$d.dict has point's variant twice"
done
flite -voice slt -t "seven point five milligrams" -o "$T/point.wav"
expect_exit 0 "$P" transcribe --format text --no-smart-format --profile medical "$T/point.wav"
grep -q "^seven point five milligrams" "$T/stdout" || { cat "$T/stdout"; fail "the point of seven point five"; }
flite -voice slt -t "potassium three point four" -o "$T/point2.wav"
expect_exit 0 "$P" transcribe --format text --no-smart-format --profile medical "$T/point2.wav"
grep -q "^potassium three point four" "$T/stdout" || { cat "$T/stdout"; fail "the point of three point four"; }
ok "a slowly said point inside a decimal is heard (the profile's pronunciation variants)"
expect_exit 2 "$P" transcribe --format text --profile "$T/nonexistent" "$T/bren.wav"
ok "a missing profile is a usage error"
expect_exit 3 "$P" lm build /dev/null --out "$T/empty"
ok "empty text refused"

# The shipped profile is never rebuilt in place (Makefile, docs/ENGINE.md
# "What is deterministic"): a decoder started during a rebuild read
# profile.conf before lmmerge had named the merged model and heard other
# words (JFK: "like your kind brain"). The recipe builds build/medical.new
# and swap-dir exchanges it with build/medical in one rename; read from
# `make -n`, so nothing here depends on when a decoder starts.
top=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$top" -n -B build/medical/profile.conf >"$T/recipe" 2>&1 || fail "make -n: $(cat "$T/recipe")"
grep -E -- '--out build/medical( |$)|lmmerge .* build/medical( |$)' "$T/recipe" &&
    fail "the medical profile is written in place"
[ "$(grep -v '^ ' "$T/recipe" | tail -n 1)" = "scripts/swap-dir build/medical.new build/medical" ] ||
    fail "the profile is not swapped into place last: $(tail -n 3 "$T/recipe")"
mkdir -p "$T/swap/old" "$T/swap/new"
echo old >"$T/swap/old/profile.conf"
echo new >"$T/swap/new/profile.conf"
"$top/scripts/swap-dir" "$T/swap/new" "$T/swap/old" || fail "swap-dir"
[ "$(cat "$T/swap/old/profile.conf")" = new ] && [ ! -e "$T/swap/new" ] || fail "swap-dir: $(ls -R "$T/swap")"
"$top/scripts/swap-dir" "$T/swap/old" "$T/swap/first" && [ -f "$T/swap/first/profile.conf" ] ||
    fail "swap-dir to a new place"
ok "the medical profile is built aside and swapped into place in one step"
echo "$checks checks"
