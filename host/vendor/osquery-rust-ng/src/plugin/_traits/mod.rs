pub(crate) mod osquery_plugin;
