package eventxml

// Options bounds what the reader accepts. The zero value of every field means
// "use the default" (see limits.go for the defaults and why); a negative value
// is treated like zero. There is no way to switch a limit off.
type Options struct {
	// MaxValueBytes bounds one decoded text or attribute value.
	MaxValueBytes int
	// MaxEventBytes bounds the raw XML of one <Event> element.
	MaxEventBytes int
	// MaxDepth bounds element nesting, wrappers and <Event> included.
	MaxDepth int
	// MaxFields bounds the payload fields of one event.
	MaxFields int
	// MaxAttrs bounds the attributes on one element.
	MaxAttrs int
	// MaxNameBytes bounds one element or attribute name.
	MaxNameBytes int
}

// DefaultOptions returns the default limits, spelled out.
func DefaultOptions() Options {
	return Options{
		MaxValueBytes: DefaultMaxValueBytes,
		MaxEventBytes: DefaultMaxEventBytes,
		MaxDepth:      DefaultMaxDepth,
		MaxFields:     DefaultMaxFields,
		MaxAttrs:      DefaultMaxAttrs,
		MaxNameBytes:  DefaultMaxNameBytes,
	}
}

// withDefaults replaces zero and negative fields by their defaults.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxValueBytes <= 0 {
		o.MaxValueBytes = d.MaxValueBytes
	}
	if o.MaxEventBytes <= 0 {
		o.MaxEventBytes = d.MaxEventBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = d.MaxDepth
	}
	if o.MaxFields <= 0 {
		o.MaxFields = d.MaxFields
	}
	if o.MaxAttrs <= 0 {
		o.MaxAttrs = d.MaxAttrs
	}
	if o.MaxNameBytes <= 0 {
		o.MaxNameBytes = d.MaxNameBytes
	}
	return o
}
