#!/bin/bash
# Makes throwaway certificates for the TLS tests with openssl:
#
#   make_test_certs.sh DIR [SUBJECT-ALT-NAME...]
#
# DIR/ca.crt, ca.key              a CA
# DIR/server.crt, server.key      signed by it, for localhost, 127.0.0.1, ::1
#                                 and every extra name given (DNS:x or IP:x)
# DIR/client.crt, client.key      signed by it, for client authentication
# DIR/other-ca.crt, other-ca.key  an unrelated CA
# DIR/other-client.crt, .key      signed by the unrelated CA
#
# EC P-256 keys (fast), valid for one day.
set -euo pipefail

dir=$1
shift
mkdir -p "$dir"
cd "$dir"

sans="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do sans="$sans,$name"; done

ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

ca() {  # ca NAME CN
  openssl req -x509 "${ec[@]}" -keyout "$1.key" -out "$1.crt" -days 1 \
    -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() {  # leaf NAME CA CN SERIAL EXTENSIONS
  openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" \
    2>/dev/null
  printf '%b\n' "$5" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" \
    -set_serial "$4" -days 1 -out "$1.crt" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

ca ca "users test CA"
ca other-ca "unrelated test CA"
leaf server ca localhost 2 \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=$sans"
leaf client ca user-gateway 3 \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
leaf other-client other-ca user-gateway 4 \
  "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
chmod 600 ./*.key
