# t-manpage.sh: husk.8 and every command's --help against the option tables
# the parser uses, and make install/uninstall.
#
# The tables are read from the source (runtime.c, exec.c, manage.c, checkpoint.c), so these tests
# need the repository: test/vm.sh copies only husk and test/ into the VM,
# where they skip. run.sh sets $dir, the test/ directory.

mp_repo() {
	(cd "$dir/.." && pwd)
}

# mp_need FILE...: skip unless the repository's FILEs are here.
mp_need() {
	for _f in "$@"; do
		[ -f "$(mp_repo)/$_f" ] || skip "no $_f beside test/ (test/vm.sh copies only husk and test/ into the VM)"
	done
}

# mp_source_opts: the option tables in the source, one "COMMAND --long -s"
# line an option ("-" when it has no short form); "global" for the global
# options. The options of a NAME_OPTS macro (CREATE_OPTS, CR_OPTS) go to
# each table that uses it. A table in a function this does not know prints "?" as the
# command, so that a new table cannot go unchecked.
mp_source_opts() {
	_r=$(mp_repo)
	awk -v q="'" '
	/^#define [A-Z_]+_OPTS\(/ { ctx = "MACRO"; mname = $2; sub(/\(.*/, "", mname); next }
	/^[a-z#]/ {
		ctx = "?"
		if ($0 ~ /global_opts\[\]/) ctx = "global"
		else if ($0 ~ /set_frozen\(/) ctx = "pause resume"
		else if (match($0, /cmd_[a-z]+\(/)) ctx = substr($0, RSTART + 4, RLENGTH - 5)
	}
	{
		line = $0
		if (ctx != "MACRO")
			for (mn in nm)
				if (index(line, mn "("))
					for (i = 1; i <= nm[mn]; i++) print ctx, macro[mn, i]
		re = "(FLAG|ARG|MULTI)\\(\"[a-z0-9-]+\", *(" q "." q "|0)"
		while (match(line, re)) {
			m = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			split(m, p, "\"")
			s = "-"
			if (match(m, q "." q)) s = "-" substr(m, RSTART + 1, 1)
			if (ctx == "MACRO") macro[mname, ++nm[mname]] = "--" p[2] " " s
			else {
				n = split(ctx, c, " ")
				for (i = 1; i <= n; i++) print c[i], "--" p[2], s
			}
		}
	}' "$_r/runtime.c" "$_r/exec.c" "$_r/manage.c" "$_r/checkpoint.c" | sort -u
}

# mp_source_commands: the names in runtime.c's command table.
mp_source_commands() {
	sed -n 's/^[[:space:]]*{"\([a-z]*\)", cmd_[a-z]*,.*/\1/p' "$(mp_repo)/runtime.c"
}

# mp_help_opts CMD: "CMD --long -s" for each option `husk CMD --help` lists
# (CMD global: `husk --help`'s global options).
mp_help_opts() {
	if [ "$1" = global ]; then
		hr --help
	else
		hr "$1" --help
	fi | awk -v cmd="$1" '
	/^(options|global options):$/ { on = 1; next }
	on && /^$/ { on = 0 }
	on && $1 ~ /^-.,$/ { print cmd, $2, substr($1, 1, 2); next }
	on && $1 ~ /^--/ { print cmd, $1, "-" }' | sort -u
}

# mp_man_words: husk.8 as "SECTION<TAB>WORD" lines, for every option-like
# word (-x, --long) of the GLOBAL OPTIONS section ("global") and of each
# command's subsection of COMMANDS; WORD starts with "tp:" when it is in
# the tag of a .TP item (an option the section describes).
mp_man_words() {
	awk '
	/^\.SH/ { sh = $0; sub(/^\.SH +/, "", sh); gsub(/"/, "", sh); ss = ""; tp = 0; next }
	/^\.SS/ { ss = $0; sub(/^\.SS +/, "", ss); gsub(/"/, "", ss); tp = 0; next }
	/^\.TP/ { tp = 1; next }
	{
		key = sh == "GLOBAL OPTIONS" ? "global" : sh == "COMMANDS" ? ss : ""
		tag = tp
		tp = 0
		if (key == "") next
		l = $0
		gsub(/\\f[BIRP]/, "", l)
		gsub(/\\-/, "-", l)
		gsub(/[^A-Za-z0-9-]/, " ", l)
		n = split(l, w, " ")
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^-[A-Za-z]$/ || w[i] ~ /^--[A-Za-z][A-Za-z0-9-]*$/)
				print key "\t" (tag ? "tp:" : "") w[i]
	}' "$(mp_repo)/husk.8" | sort -u
}

# Every command of the table, and only those, in husk --help; the options
# each --help lists are exactly the ones its table has.
t_help_matches_parser() {
	mp_need runtime.c manage.c
	mp_source_opts >"$TD/src"
	grep '^? ' "$TD/src" && fail "an option table in a function this test does not know (see mp_source_opts)"
	mp_source_commands | sort >"$TD/cmds"
	[ -s "$TD/cmds" ] || fail "no command table found in runtime.c"
	hr --help | awk '/^commands/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort >"$TD/helpcmds"
	expect_eq "$(cat "$TD/cmds")" "$(cat "$TD/helpcmds")" "the commands husk --help lists"
	mp_help_opts global >"$TD/help"
	for c in $(cat "$TD/cmds"); do
		mp_help_opts "$c" | grep -v ' --help -h$' >>"$TD/help"
	done
	sort -o "$TD/help" "$TD/help"
	grep -v '^global ' "$TD/src" | cut -d' ' -f1 | sort -u | while read -r c; do
		grep -qx "$c" "$TD/cmds" || echo "$c"
	done >"$TD/stray"
	[ ! -s "$TD/stray" ] || fail "options of no command in the source: $(cat "$TD/stray")"
	miss=$(new_lines "$TD/help" "$TD/src" | tr '\n' ';')
	extra=$(new_lines "$TD/src" "$TD/help" | tr '\n' ';')
	[ -z "$miss$extra" ] || fail "--help and the option tables differ: in the tables only: $miss in --help only: $extra"
	# husk --help's synopsis of each command names each of its options too
	hr --help | awk '/^commands/ { on = 1; next } on && /^  [a-z]/ { c = $1 } on && c { print c, $0 }' >"$TD/overview"
	while read -r c long short; do
		[ "$c" = global ] && continue
		[ "$short" = - ] && names=$long || names="$long|$short"
		grep "^$c " "$TD/overview" | grep -Eq -- "(^|[^a-z-])($names)([^a-z-]|\$)" ||
			fail "husk --help's synopsis of $c does not name $long"
	done <"$TD/src"
}

# Every option the parser accepts is in husk.8, in its command's section;
# every option husk.8 describes (a .TP tag) is one the command accepts.
t_manpage_options() {
	mp_need runtime.c manage.c husk.8
	mp_source_opts >"$TD/src"
	mp_man_words >"$TD/man"
	for c in global $(mp_source_commands); do
		grep -q "^$c	" "$TD/man" || grep -q "^\.SS $c\$" "$(mp_repo)/husk.8" ||
			fail "husk.8 has no section for $c"
	done
	while read -r c long short; do
		grep -qx "$c	$long" "$TD/man" || grep -qx "$c	tp:$long" "$TD/man" ||
			fail "husk.8: $c's section does not mention $long"
		[ "$short" = - ] || grep -qx "$c	$short" "$TD/man" || grep -qx "$c	tp:$short" "$TD/man" ||
			fail "husk.8: $c's section does not mention $short (for $long)"
	done <"$TD/src"
	# -h/--help: every command's, and in the global table
	sed -n 's/^\([^	]*\)	tp:\(.*\)$/\1 \2/p' "$TD/man" | while read -r c o; do
		case $o in --help | -h) continue ;; esac
		case $o in
		--*) grep -q "^$c $o " "$TD/src" ;;
		*) grep -q "^$c [^ ]* $o\$" "$TD/src" ;;
		esac || echo "$c $o"
	done >"$TD/extra"
	[ ! -s "$TD/extra" ] || fail "husk.8 describes options the parser does not accept: $(tr '\n' ';' <"$TD/extra")"
}

# husk.8 formats without a warning.
t_manpage_lint() {
	mp_need husk.8
	m=$(mp_repo)/husk.8
	linted=""
	if command -v groff >/dev/null; then
		w=$(groff -ww -man -z "$m" 2>&1)
		expect_eq "" "$w" "groff -ww -man -z husk.8"
		linted=groff
	fi
	if command -v mandoc >/dev/null; then
		w=$(mandoc -T lint "$m" 2>&1)
		expect_eq "" "$w" "mandoc -T lint husk.8"
		linted="$linted mandoc"
	fi
	[ -n "$linted" ] || skip "neither groff nor mandoc here"
}

# make install puts exactly husk and husk.8 under DESTDIR/PREFIX, and make
# uninstall takes them away again, leaving only empty directories. Only
# when ./husk is up to date: the test must not build anything.
t_manpage_install() {
	mp_need Makefile husk.8
	r=$(mp_repo)
	command -v make >/dev/null || skip "no make here"
	[ -x "$r/husk" ] || skip "no $r/husk: run make"
	# build/.commit is remade by every make (husk --version names the
	# commit): held old, husk is rebuilt only for changed sources
	make -C "$r" -q -o build/.commit husk >/dev/null 2>&1 ||
		skip "$r/husk is older than its sources: make install would rebuild it"
	d=$TD/dest
	expect_ok make -s -C "$r" -o build/.commit install DESTDIR="$d" PREFIX=/usr
	expect_eq "$d/usr/sbin/husk
$d/usr/share/man/man8/husk.8" "$(find "$d" ! -type d | sort)" "files installed"
	cmp -s "$r/husk" "$d/usr/sbin/husk" || fail "the installed husk differs from $r/husk"
	cmp -s "$r/husk.8" "$d/usr/share/man/man8/husk.8" || fail "the installed husk.8 differs"
	expect_eq "755 644" "$(stat -c %a "$d/usr/sbin/husk" "$d/usr/share/man/man8/husk.8" | tr '\n' ' ' | sed 's/ $//')" "modes"
	expect_ok make -s -C "$r" uninstall DESTDIR="$d" PREFIX=/usr
	expect_eq "" "$(find "$d" ! -type d)" "files left after make uninstall"
}
