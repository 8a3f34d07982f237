# shellcheck shell=sh disable=SC2034 # variables for the scripts that source this
# scripts/debian-mirror.sh -- sourced by the scripts that fetch from Debian:
# sets debian_archive and debian_security to the URIs of the Debian archive
# and security archive the host's apt uses (the latter empty when apt has
# none), as apt itself reports them after `apt-get update`, whatever the
# format of /etc/apt's files.  They are told apart by their Release files'
# Label, so no host name is written anywhere.
# shellcheck disable=SC2016 # apt's $(FIELD), not the shell's
debian_targets=$(apt-get indextargets --format '$(LABEL) $(REPO_URI)' 2>/dev/null | sort -u)
debian_archive=$(echo "$debian_targets" | awk '$1 == "Debian" { print $2; exit }')
debian_security=$(echo "$debian_targets" | awk '$1 == "Debian-Security" { print $2; exit }')
