pub(crate) mod plugin;
pub(crate) mod registry;
pub(crate) mod response;
