# make_certificates DIR: an authority (DIR/ca.pem, DIR/ca.key) and a certificate it
# issues for localhost and 127.0.0.1 (DIR/server.pem, DIR/server.key), EC P-256 keys,
# made with the openssl command for the TLS tests. Sourced.
make_certificates() {
    local dir=$1
    local log="$dir/openssl.log"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=interop test CA" 2>>"$log"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/server.key" \
        -out "$dir/server.csr" -subj "/CN=localhost" 2>>"$log"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>>"$log"
}
