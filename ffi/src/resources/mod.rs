//! placeholder: the resource model (helper fills this)
