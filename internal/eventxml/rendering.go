package eventxml

// rendering parses <RenderingInfo Culture="..">, whose start tag was just
// read: the texts the source machine resolved from the provider's message
// table (wevtutil /f:RenderedXml, Get-WinEvent's ToXml after rendering,
// forwarded events in RenderedText format).
func (p *parser) rendering() error {
	p.rend = true
	var err error
	if p.rendRefs[rendCulture], err = p.attrRef("Culture"); err != nil {
		return err
	}
	return p.children("<RenderingInfo>", func() error {
		var idx int
		switch string(localName(p.name)) {
		case "Message":
			a, err := p.textOf(p.name)
			if err != nil {
				return err
			}
			p.rendRefs[rendMessage] = p.keepValue(a)
			return nil
		case "Keywords":
			return p.renderedKeywords()
		case "Level":
			idx = rendLevel
		case "Task":
			idx = rendTask
		case "Opcode":
			idx = rendOpcode
		case "Channel":
			idx = rendChannel
		case "Provider":
			idx = rendProvider
		default:
			return p.skip()
		}
		a, err := p.textOf(p.name)
		if err != nil {
			return err
		}
		p.rendRefs[idx] = p.keepText(a)
		return nil
	})
}

// renderedKeywords parses <Keywords><Keyword>Audit Success</Keyword>...;
// each keyword counts against MaxFields.
func (p *parser) renderedKeywords() error {
	return p.children("<Keywords>", func() error {
		if string(localName(p.name)) != "Keyword" {
			return p.skip()
		}
		if err := p.countField(p.tokOff); err != nil {
			return err
		}
		a, err := p.textOf(p.name)
		if err != nil {
			return err
		}
		p.keywords = append(p.keywords, p.keepText(a))
		return nil
	})
}
