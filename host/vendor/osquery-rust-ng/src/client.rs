use crate::_osquery as osquery;
use std::io::Error;
use std::os::unix::net::UnixStream;
use std::time::Duration;
use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol};

pub struct Client {
    client: osquery::ExtensionManagerSyncClient<TBinaryInputProtocol<UnixStream>, TBinaryOutputProtocol<UnixStream>>,
}

impl Client {
    /// Connects to the manager socket. A non-zero `timeout` bounds every read and write, so a
    /// hung osqueryd cannot block the caller forever.
    pub fn new(socket_path: &str, timeout: Duration) -> Result<Self, Error> {
        let socket_tx = UnixStream::connect(socket_path)?;
        if !timeout.is_zero() {
            socket_tx.set_read_timeout(Some(timeout))?;
            socket_tx.set_write_timeout(Some(timeout))?;
        }
        let socket_rx = socket_tx.try_clone()?;

        let in_proto = TBinaryInputProtocol::new(socket_tx, true);
        let out_proto = TBinaryOutputProtocol::new(socket_rx, true);

        Ok(Client { client: osquery::ExtensionManagerSyncClient::new(in_proto, out_proto) })
    }
}

//
// Extension implements _osquery's Thrift API: trait TExtensionManagerSyncClient
//
impl osquery::TExtensionManagerSyncClient for Client {
    fn extensions(&mut self) -> thrift::Result<osquery::InternalExtensionList> {
        self.client.extensions()
    }

    fn options(&mut self) -> thrift::Result<osquery::InternalOptionList> {
        self.client.options()
    }

    fn register_extension(
        &mut self,
        info: osquery::InternalExtensionInfo,
        registry: osquery::ExtensionRegistry,
    ) -> thrift::Result<osquery::ExtensionStatus> {
        self.client.register_extension(info, registry)
    }

    fn deregister_extension(&mut self, _uuid: osquery::ExtensionRouteUUID) -> thrift::Result<osquery::ExtensionStatus> {
        self.client.deregister_extension(_uuid)
    }

    fn query(&mut self, _sql: String) -> thrift::Result<osquery::ExtensionResponse> {
        self.client.query(_sql)
    }

    fn get_query_columns(&mut self, _sql: String) -> thrift::Result<osquery::ExtensionResponse> {
        self.client.get_query_columns(_sql)
    }
}

//
// Extension implements _osquery's Thrift API: super-trait TExtensionSyncClient
//
impl osquery::TExtensionSyncClient for Client {
    fn ping(&mut self) -> thrift::Result<osquery::ExtensionStatus> {
        self.client.ping()
    }

    fn call(
        &mut self,
        _registry: String,
        _item: String,
        _request: osquery::ExtensionPluginRequest,
    ) -> thrift::Result<osquery::ExtensionResponse> {
        todo!()
    }

    fn shutdown(&mut self) -> thrift::Result<()> {
        self.client.shutdown()
    }
}

/// Runs `sql` on osqueryd through its extension manager socket and returns the rows
/// (kubequery patch 11: an extension asks osqueryd which tables exist before registering).
pub fn query_manager(
    socket_path: &str,
    timeout: Duration,
    sql: &str,
) -> Result<Vec<std::collections::BTreeMap<String, String>>, String> {
    use osquery::TExtensionManagerSyncClient;
    let mut client = Client::new(socket_path, timeout).map_err(|e| e.to_string())?;
    let response = client.query(sql.to_string()).map_err(|e| e.to_string())?;
    match response.status {
        Some(status) if status.code.unwrap_or(0) != 0 => {
            Err(status.message.unwrap_or_else(|| "osqueryd refused the query".into()))
        }
        _ => Ok(response.response.unwrap_or_default()),
    }
}
