t_sec_try() {
	cp "$HUSK" "$TD/husk"; HUSK=$TD/husk
	sum0=$(md5sum <"$HUSK")
	args sh -c '
ln -s /proc/self/exe /tmp/evil; mkdir /tmp/b; mkfifo /tmp/b/config.json; echo ready >/tmp/ready
while :; do
 for p in /proc/[0-9]*; do
  n=${p#/proc/}; [ "$n" = 1 ] && continue
  t=$(readlink $p/exe 2>/dev/null) || continue
  case $t in /bin/busybox|"") continue;; esac
  exec 3<$p/exe 2>/dev/null || continue
  echo "opened $n $t $(stat -L -c "%d %i" /proc/self/fd/3)" >>/tmp/log
  echo "{" >/tmp/b/config.json
  i=0; while [ $i -lt 100 ]; do
    if printf PWNED 1<>/proc/self/fd/3 2>>/tmp/log; then echo wrote >>/tmp/log; break; fi
    i=$((i+1)); sleep 0.1
  done
  echo done >>/tmp/log; sleep 1000
 done
done'
	mkbundle
	expect_ok h run -d -b "$B" "$ID"
	pid=$(st "$ID" pid)
	wait_file /proc/$pid/root/tmp/ready
	hx h exec "$ID" /tmp/evil --root /tmp/r run -b /tmp/b x
	echo "exec rc $RC $(cat $TD/err)"
	sleep 3
	cat /proc/$pid/root/tmp/log
	stat -c "%d %i" "$HUSK"
	echo "$sum0 / $(md5sum <"$HUSK")"
	h delete -f "$ID"
	fail see log
}
