//! Volumes and kubequery's 83-column volume group, shared by every `*_volumes` table.
//!
//! Every volume source is parsed into the same superset struct: the sources share field
//! names (`fsType`, `readOnly`, `secretRef`, …), so one struct reads them all.

use crate::view;
use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::{Row, col};

/// A `volumes[]` entry (its name and whichever source is set), or the `spec` of a
/// PersistentVolume, whose sources have the same names.
#[view]
#[derive(Debug)]
pub struct Volume<'a> {
    pub name: Option<Cow<'a, str>>,
    pub aws_elastic_block_store: Option<Src<'a>>,
    pub azure_disk: Option<Src<'a>>,
    pub azure_file: Option<Src<'a>>,
    pub csi: Option<Src<'a>>,
    pub cephfs: Option<Src<'a>>,
    pub cinder: Option<Src<'a>>,
    pub config_map: Option<Src<'a>>,
    #[serde(rename = "downwardAPI")]
    pub downward_api: Option<Src<'a>>,
    pub empty_dir: Option<Src<'a>>,
    pub ephemeral: Option<Src<'a>>,
    pub fc: Option<Src<'a>>,
    pub flex_volume: Option<Src<'a>>,
    pub flocker: Option<Src<'a>>,
    pub gce_persistent_disk: Option<Src<'a>>,
    pub git_repo: Option<Src<'a>>,
    pub glusterfs: Option<Src<'a>>,
    pub host_path: Option<Src<'a>>,
    pub iscsi: Option<Src<'a>>,
    pub local: Option<Src<'a>>,
    pub nfs: Option<Src<'a>>,
    pub persistent_volume_claim: Option<Src<'a>>,
    pub photon_persistent_disk: Option<Src<'a>>,
    pub portworx_volume: Option<Src<'a>>,
    pub projected: Option<Src<'a>>,
    pub quobyte: Option<Src<'a>>,
    pub rbd: Option<Src<'a>>,
    #[serde(rename = "scaleIO")]
    pub scale_io: Option<Src<'a>>,
    pub secret: Option<Src<'a>>,
    pub storageos: Option<Src<'a>>,
    pub vsphere_volume: Option<Src<'a>>,
}

/// A `{name: …}` reference.
#[view]
#[derive(Debug)]
pub struct NameRef<'a> {
    pub name: Option<Cow<'a, str>>,
}

/// The fields of every volume source, by their JSON names.
#[view]
#[derive(Debug)]
pub struct Src<'a> {
    pub fs_type: Option<Cow<'a, str>>,
    pub read_only: Option<bool>,
    pub secret_name: Option<Cow<'a, str>>,
    pub secret_ref: Option<NameRef<'a>>,
    pub node_publish_secret_ref: Option<NameRef<'a>>,
    pub path: Option<Cow<'a, str>>,
    #[serde(rename = "type")]
    pub type_: Option<Cow<'a, str>>,
    pub medium: Option<Cow<'a, str>>,
    pub size_limit: Option<&'a RawValue>,
    pub pd_name: Option<Cow<'a, str>>,
    pub partition: Option<i64>,
    #[serde(rename = "volumeID")]
    pub volume_id: Option<Cow<'a, str>>,
    pub repository: Option<Cow<'a, str>>,
    pub revision: Option<Cow<'a, str>>,
    pub directory: Option<Cow<'a, str>>,
    pub items: Option<&'a RawValue>,
    pub default_mode: Option<i64>,
    pub optional: Option<bool>,
    pub server: Option<Cow<'a, str>>,
    pub target_portal: Option<Cow<'a, str>>,
    pub iqn: Option<Cow<'a, str>>,
    pub lun: Option<i64>,
    pub iscsi_interface: Option<Cow<'a, str>>,
    pub portals: Option<&'a RawValue>,
    pub chap_auth_discovery: Option<bool>,
    pub chap_auth_session: Option<bool>,
    pub initiator_name: Option<Cow<'a, str>>,
    pub endpoints: Option<Cow<'a, str>>,
    pub claim_name: Option<Cow<'a, str>>,
    pub monitors: Option<&'a RawValue>,
    pub image: Option<Cow<'a, str>>,
    pub pool: Option<Cow<'a, str>>,
    pub user: Option<Cow<'a, str>>,
    pub keyring: Option<Cow<'a, str>>,
    pub driver: Option<Cow<'a, str>>,
    pub options: Option<&'a RawValue>,
    pub secret_file: Option<Cow<'a, str>>,
    pub dataset_name: Option<Cow<'a, str>>,
    #[serde(rename = "datasetUUID")]
    pub dataset_uuid: Option<Cow<'a, str>>,
    #[serde(rename = "targetWWNs")]
    pub target_wwns: Option<&'a RawValue>,
    pub wwids: Option<&'a RawValue>,
    pub share_name: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub volume_path: Option<Cow<'a, str>>,
    pub storage_policy_name: Option<Cow<'a, str>>,
    #[serde(rename = "storagePolicyID")]
    pub storage_policy_id: Option<Cow<'a, str>>,
    pub registry: Option<Cow<'a, str>>,
    pub volume: Option<Cow<'a, str>>,
    pub group: Option<Cow<'a, str>>,
    pub tenant: Option<Cow<'a, str>>,
    pub disk_name: Option<Cow<'a, str>>,
    #[serde(rename = "diskURI")]
    pub disk_uri: Option<Cow<'a, str>>,
    pub caching_mode: Option<Cow<'a, str>>,
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "pdID")]
    pub pd_id: Option<Cow<'a, str>>,
    pub sources: Option<&'a RawValue>,
    pub gateway: Option<Cow<'a, str>>,
    pub system: Option<Cow<'a, str>>,
    pub ssl_enabled: Option<bool>,
    pub protection_domain: Option<Cow<'a, str>>,
    pub storage_pool: Option<Cow<'a, str>>,
    pub storage_mode: Option<Cow<'a, str>>,
    pub volume_name: Option<Cow<'a, str>>,
    pub volume_namespace: Option<Cow<'a, str>>,
    pub volume_attributes: Option<&'a RawValue>,
    pub volume_claim_template: Option<&'a RawValue>,
}

/// How a source's `readOnly` is declared in the Kubernetes API.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadOnly {
    /// A plain bool: absent means false.
    Bool,
    /// An optional bool: absent means unknown.
    Optional,
    /// The source has no readOnly.
    Missing,
}

impl<'a> Volume<'a> {
    /// The set source as `(volume_type, source, how readOnly is declared)`. kubequery checked the
    /// sources in this (alphabetical) order; a valid volume has exactly one.
    fn source(&self, of: VolumeOf) -> Option<(&'static str, &Src<'a>, ReadOnly)> {
        use ReadOnly::*;
        // A pod's CSIVolumeSource has an optional readOnly; a PersistentVolume's
        // CSIPersistentVolumeSource a plain one.
        let csi_read_only = if of == VolumeOf::PersistentVolume { Bool } else { Optional };
        let sources = [
            ("aws_elastic_block_store", &self.aws_elastic_block_store, Bool),
            ("azure_disk", &self.azure_disk, Optional),
            ("azure_file", &self.azure_file, Bool),
            ("csi", &self.csi, csi_read_only),
            ("ceph_fs", &self.cephfs, Bool),
            ("cinder", &self.cinder, Bool),
            ("config_map", &self.config_map, Missing),
            ("downward_api", &self.downward_api, Missing),
            ("empty_dir", &self.empty_dir, Missing),
            ("ephemeral", &self.ephemeral, Missing),
            ("fc", &self.fc, Bool),
            ("flex_volume", &self.flex_volume, Bool),
            ("flocker", &self.flocker, Missing),
            ("gce_persistent_disk", &self.gce_persistent_disk, Bool),
            ("git_repo", &self.git_repo, Missing),
            ("gluster_fs", &self.glusterfs, Bool),
            ("host_path", &self.host_path, Missing),
            ("iscsi", &self.iscsi, Bool),
            ("local", &self.local, Missing),
            ("nfs", &self.nfs, Bool),
            ("persistent_volume_claim", &self.persistent_volume_claim, Bool),
            ("photon_persistent_disk", &self.photon_persistent_disk, Missing),
            ("portworx_volume", &self.portworx_volume, Bool),
            ("projected", &self.projected, Missing),
            ("quobyte", &self.quobyte, Bool),
            ("rbd", &self.rbd, Bool),
            ("scaleio", &self.scale_io, Bool),
            ("secret", &self.secret, Missing),
            ("storage_os", &self.storageos, Bool),
            ("vsphere_volume", &self.vsphere_volume, Missing),
        ];
        sources.into_iter().rev().find_map(|(name, src, read_only)| src.as_ref().map(|s| (name, s, read_only)))
    }
}

fn text<'s>(src: &'s Option<Src<'_>>, field: impl Fn(&'s Src<'_>) -> Option<&'s str>) -> Option<&'s str> {
    src.as_ref().and_then(field)
}

/// Whose volume a row shows: kubequery gave PersistentVolumes their own, smaller column list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VolumeOf {
    /// A pod spec's `volumes[]` entry: all 83 columns.
    PodSpec,
    /// A PersistentVolume's `spec`: no pod-only sources (emptyDir, secret, configMap, …), plus
    /// `local_path`.
    PersistentVolume,
}

/// kubequery's volume columns: for a pod spec the 83 from `volume_type` to
/// `ephemeral_volume_claim_template`, for a PersistentVolume the 66 from `volume_type` to
/// `csi_volume_attributes`.
pub fn volume_columns(r: &mut Row, v: &Volume, of: VolumeOf) {
    let pod = of == VolumeOf::PodSpec;
    let chosen = v.source(of);
    let empty = Src::default();
    let (volume_type, src, read_only) = chosen.unwrap_or(("", &empty, ReadOnly::Missing));
    r.text(col("volume_type", "which volume source is set"), Some(volume_type));
    r.text(col("fs_type", "fsType of the volume source"), src.fs_type.as_deref());
    let read_only = match read_only {
        ReadOnly::Bool => Some(src.read_only.unwrap_or(false)),
        ReadOnly::Optional => src.read_only,
        ReadOnly::Missing => None,
    };
    r.boolean(col("read_only", "readOnly of the volume source"), read_only);
    let secret_name = text(&v.secret, |s| s.secret_name.as_deref())
        .or_else(|| text(&v.azure_file, |s| s.secret_name.as_deref()))
        .or_else(|| text(&v.csi, |s| s.node_publish_secret_ref.as_ref().and_then(|r| r.name.as_deref())))
        .or_else(|| src.secret_ref.as_ref().and_then(|r| r.name.as_deref()));
    r.text(
        col("secret_name", "secret.secretName, azureFile.secretName, csi.nodePublishSecretRef or secretRef"),
        secret_name,
    );
    r.text(col("host_path_path", "hostPath.path"), text(&v.host_path, |s| s.path.as_deref()));
    r.text(col("host_path_type", "hostPath.type"), text(&v.host_path, |s| s.type_.as_deref()));
    if pod {
        r.text(col("empty_dir_medium", "emptyDir.medium"), text(&v.empty_dir, |s| s.medium.as_deref()));
        let size_limit = v.empty_dir.as_ref().and_then(|s| s.size_limit).map(|q| q.get().trim_matches('"').to_string());
        r.string(col("empty_dir_size_limit", "emptyDir.sizeLimit"), size_limit);
    }
    r.text(
        col("gce_persistent_disk_pd_name", "gcePersistentDisk.pdName"),
        text(&v.gce_persistent_disk, |s| s.pd_name.as_deref()),
    );
    r.integer(
        col("gce_persistent_disk_partition", "gcePersistentDisk.partition"),
        Some(v.gce_persistent_disk.as_ref().and_then(|s| s.partition).unwrap_or(0)),
    );
    r.text(
        col("aws_elastic_block_store_volume_id", "awsElasticBlockStore.volumeID"),
        text(&v.aws_elastic_block_store, |s| s.volume_id.as_deref()),
    );
    r.integer(
        col("aws_elastic_block_store_partition", "awsElasticBlockStore.partition"),
        Some(v.aws_elastic_block_store.as_ref().and_then(|s| s.partition).unwrap_or(0)),
    );
    if pod {
        r.text(col("git_repo_repository", "gitRepo.repository"), text(&v.git_repo, |s| s.repository.as_deref()));
        r.text(col("git_repo_revision", "gitRepo.revision"), text(&v.git_repo, |s| s.revision.as_deref()));
        r.text(col("git_repo_directory", "gitRepo.directory"), text(&v.git_repo, |s| s.directory.as_deref()));
        r.json(col("secret_items", "secret.items"), v.secret.as_ref().and_then(|s| s.items));
        r.integer(col("secret_default_mode", "secret.defaultMode"), v.secret.as_ref().and_then(|s| s.default_mode));
        r.boolean(col("secret_optional", "secret.optional"), v.secret.as_ref().and_then(|s| s.optional));
    }
    r.text(col("nfs_server", "nfs.server"), text(&v.nfs, |s| s.server.as_deref()));
    r.text(col("nfs_path", "nfs.path"), text(&v.nfs, |s| s.path.as_deref()));
    r.text(col("iscsi_target_portal", "iscsi.targetPortal"), text(&v.iscsi, |s| s.target_portal.as_deref()));
    r.text(col("iscsi_iqn", "iscsi.iqn"), text(&v.iscsi, |s| s.iqn.as_deref()));
    r.integer(col("iscsi_lun", "iscsi.lun"), Some(v.iscsi.as_ref().and_then(|s| s.lun).unwrap_or(0)));
    r.text(col("iscsi_interface", "iscsi.iscsiInterface"), text(&v.iscsi, |s| s.iscsi_interface.as_deref()));
    r.json(col("iscsi_portals", "iscsi.portals"), v.iscsi.as_ref().and_then(|s| s.portals));
    r.boolean(
        col("iscsi_discovery_chap_auth", "iscsi.chapAuthDiscovery"),
        Some(v.iscsi.as_ref().and_then(|s| s.chap_auth_discovery).unwrap_or(false)),
    );
    r.boolean(
        col("iscsi_session_chap_auth", "iscsi.chapAuthSession"),
        Some(v.iscsi.as_ref().and_then(|s| s.chap_auth_session).unwrap_or(false)),
    );
    r.text(col("iscsi_initiator_name", "iscsi.initiatorName"), text(&v.iscsi, |s| s.initiator_name.as_deref()));
    if !pod {
        r.text(col("local_path", "local.path"), text(&v.local, |s| s.path.as_deref()));
    }
    r.text(col("glusterfs_endpoints_name", "glusterfs.endpoints"), text(&v.glusterfs, |s| s.endpoints.as_deref()));
    r.text(col("glusterfs_path", "glusterfs.path"), text(&v.glusterfs, |s| s.path.as_deref()));
    if pod {
        r.text(
            col("persistent_volume_claim_name", "persistentVolumeClaim.claimName"),
            text(&v.persistent_volume_claim, |s| s.claim_name.as_deref()),
        );
    }
    r.json(col("rbd_ceph_monitors", "rbd.monitors"), v.rbd.as_ref().and_then(|s| s.monitors));
    r.text(col("rbd_image", "rbd.image"), text(&v.rbd, |s| s.image.as_deref()));
    r.text(col("rbd_pool", "rbd.pool"), text(&v.rbd, |s| s.pool.as_deref()));
    r.text(col("rbd_rados_user", "rbd.user"), text(&v.rbd, |s| s.user.as_deref()));
    r.text(col("rbd_keyring", "rbd.keyring"), text(&v.rbd, |s| s.keyring.as_deref()));
    r.text(col("flex_volume_driver", "flexVolume.driver"), text(&v.flex_volume, |s| s.driver.as_deref()));
    r.json(col("flex_volume_options", "flexVolume.options"), v.flex_volume.as_ref().and_then(|s| s.options));
    r.text(col("cinder_volume_id", "cinder.volumeID"), text(&v.cinder, |s| s.volume_id.as_deref()));
    r.json(col("ceph_fs_monitors", "cephfs.monitors"), v.cephfs.as_ref().and_then(|s| s.monitors));
    r.text(col("ceph_fs_path", "cephfs.path"), text(&v.cephfs, |s| s.path.as_deref()));
    r.text(col("ceph_fs_user", "cephfs.user"), text(&v.cephfs, |s| s.user.as_deref()));
    r.text(col("ceph_fs_secret_file", "cephfs.secretFile"), text(&v.cephfs, |s| s.secret_file.as_deref()));
    r.text(col("flocker_dataset_name", "flocker.datasetName"), text(&v.flocker, |s| s.dataset_name.as_deref()));
    r.text(col("flocker_dataset_uuid", "flocker.datasetUUID"), text(&v.flocker, |s| s.dataset_uuid.as_deref()));
    if pod {
        r.json(col("downward_api_items", "downwardAPI.items"), v.downward_api.as_ref().and_then(|s| s.items));
        r.integer(
            col("downward_api_default_mode", "downwardAPI.defaultMode"),
            v.downward_api.as_ref().and_then(|s| s.default_mode),
        );
    }
    r.json(col("fc_target_ww_ns", "fc.targetWWNs"), v.fc.as_ref().and_then(|s| s.target_wwns));
    r.integer(col("fc_lun", "fc.lun"), v.fc.as_ref().and_then(|s| s.lun));
    r.json(col("fc_ww_ids", "fc.wwids"), v.fc.as_ref().and_then(|s| s.wwids));
    r.text(col("azure_file_share_name", "azureFile.shareName"), text(&v.azure_file, |s| s.share_name.as_deref()));
    if pod {
        r.text(col("config_map_name", "configMap.name"), text(&v.config_map, |s| s.name.as_deref()));
        r.json(col("config_map_items", "configMap.items"), v.config_map.as_ref().and_then(|s| s.items));
        r.integer(
            col("config_map_default_mode", "configMap.defaultMode"),
            v.config_map.as_ref().and_then(|s| s.default_mode),
        );
        r.boolean(col("config_map_optional", "configMap.optional"), v.config_map.as_ref().and_then(|s| s.optional));
    }
    r.text(
        col("vsphere_volume_volume_path", "vsphereVolume.volumePath"),
        text(&v.vsphere_volume, |s| s.volume_path.as_deref()),
    );
    r.text(
        col("vsphere_volume_storage_policy_name", "vsphereVolume.storagePolicyName"),
        text(&v.vsphere_volume, |s| s.storage_policy_name.as_deref()),
    );
    r.text(
        col("vsphere_volume_storage_policy_id", "vsphereVolume.storagePolicyID"),
        text(&v.vsphere_volume, |s| s.storage_policy_id.as_deref()),
    );
    r.text(col("quobyte_registry", "quobyte.registry"), text(&v.quobyte, |s| s.registry.as_deref()));
    r.text(col("quobyte_volume", "quobyte.volume"), text(&v.quobyte, |s| s.volume.as_deref()));
    r.text(col("quobyte_user", "quobyte.user"), text(&v.quobyte, |s| s.user.as_deref()));
    r.text(col("quobyte_group", "quobyte.group"), text(&v.quobyte, |s| s.group.as_deref()));
    r.text(col("quobyte_tenant", "quobyte.tenant"), text(&v.quobyte, |s| s.tenant.as_deref()));
    r.text(col("azure_disk_disk_name", "azureDisk.diskName"), text(&v.azure_disk, |s| s.disk_name.as_deref()));
    r.text(col("azure_disk_data_disk_uri", "azureDisk.diskURI"), text(&v.azure_disk, |s| s.disk_uri.as_deref()));
    r.text(col("azure_disk_caching_mode", "azureDisk.cachingMode"), text(&v.azure_disk, |s| s.caching_mode.as_deref()));
    r.text(col("azure_disk_kind", "azureDisk.kind"), text(&v.azure_disk, |s| s.kind.as_deref()));
    r.text(
        col("photon_persistent_disk_pd_id", "photonPersistentDisk.pdID"),
        text(&v.photon_persistent_disk, |s| s.pd_id.as_deref()),
    );
    if pod {
        r.json(col("projected_sources", "projected.sources"), v.projected.as_ref().and_then(|s| s.sources));
        r.integer(
            col("projected_default_mode", "projected.defaultMode"),
            v.projected.as_ref().and_then(|s| s.default_mode),
        );
    }
    r.text(col("portworx_volume_id", "portworxVolume.volumeID"), text(&v.portworx_volume, |s| s.volume_id.as_deref()));
    r.text(col("scale_io_gateway", "scaleIO.gateway"), text(&v.scale_io, |s| s.gateway.as_deref()));
    r.text(col("scale_io_system", "scaleIO.system"), text(&v.scale_io, |s| s.system.as_deref()));
    r.boolean(
        col("scale_iossl_enabled", "scaleIO.sslEnabled"),
        Some(v.scale_io.as_ref().and_then(|s| s.ssl_enabled).unwrap_or(false)),
    );
    r.text(
        col("scale_io_protection_domain", "scaleIO.protectionDomain"),
        text(&v.scale_io, |s| s.protection_domain.as_deref()),
    );
    r.text(col("scale_io_storage_pool", "scaleIO.storagePool"), text(&v.scale_io, |s| s.storage_pool.as_deref()));
    r.text(col("scale_io_storage_mode", "scaleIO.storageMode"), text(&v.scale_io, |s| s.storage_mode.as_deref()));
    r.text(col("scale_io_volume_name", "scaleIO.volumeName"), text(&v.scale_io, |s| s.volume_name.as_deref()));
    r.text(col("storage_os_volume_name", "storageos.volumeName"), text(&v.storageos, |s| s.volume_name.as_deref()));
    r.text(
        col("storage_os_volume_namespace", "storageos.volumeNamespace"),
        text(&v.storageos, |s| s.volume_namespace.as_deref()),
    );
    r.text(col("csi_driver", "csi.driver"), text(&v.csi, |s| s.driver.as_deref()));
    r.json(col("csi_volume_attributes", "csi.volumeAttributes"), v.csi.as_ref().and_then(|s| s.volume_attributes));
    if pod {
        r.json(
            col("ephemeral_volume_claim_template", "ephemeral.volumeClaimTemplate"),
            v.ephemeral.as_ref().and_then(|s| s.volume_claim_template),
        );
    }
}
