//! Asset Panda Pro over HTTP. (In progress.)
