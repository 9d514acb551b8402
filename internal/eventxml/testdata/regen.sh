#!/bin/sh
# Regenerates the corpus-derived fixtures: the same EVTX files rendered by
# two independent EVTX decoders, libevtx's evtxexport (header line stripped)
# and python-evtx's evtx_dump.py. Run from this directory with the shared
# corpus at ../../../../shared/corpus (or $WSEC_CORPUS).
set -eu
C=${WSEC_CORPUS:-../../../../shared/corpus}/evtx/hayabusa-sample-evtx/EVTX-to-MITRE-Attack
gen() {
	evtxexport -f xml "$C/$2" | sed '1{/^evtxexport /d}' >"evtxexport/$1.xml"
	# python-evtx cannot render some files (nested binary XML in CAPI2);
	# those get no second rendering.
	if ! evtx_dump.py "$C/$2" >"pyevtx/$1.xml" 2>/dev/null; then
		rm -f "pyevtx/$1.xml"
	fi
}
gen security_4624_pth "TA0008-Lateral Movement/T1550-Use Alternate Authentication Material/ID4624-Mimikatz Pass the hash.evtx"
gen security_4625 "TA0001-Initial access/T1078-Valid accounts/ID4625-failed login with denied access due to account restriction.evtx"
gen security_4688 "TA0007-Discovery/T1087-Account discovery/ID4688-User enumeration via command.evtx"
gen sysmon_1 "TA0007-Discovery/T1087-Account discovery/ID1-SPN discovery (SYSMON process).evtx"
gen capi2_70 "TA0006-Credential Access/T1552.004-Unsecured Credentials-Private Keys/ID70-CAPI-Private key accessed Mimikatz.evtx"
gen system_7045 "TA0003-Persistence/T1543.003-Create or Modify System Process-Windows Service/ID7045-7036 PSexec service installation.evtx"
gen mssql_11715 "TA0003-Persistence/T1505.001-SQL Stored Procedures/ID11715-SQL Server started in single mode for psw recovery.evtx"
gen mssql_15457 "TA0003-Persistence/T1505.001-SQL Stored Procedures/ID15457-SQL server CLR lateral movement.evtx"
