//! One module per outside service: the real client, and the local mode used when its keys are
//! not configured.

pub mod blobs;
pub mod mail;
pub mod stripe;
pub mod video;
