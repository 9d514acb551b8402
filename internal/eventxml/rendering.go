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
	if p.selfClose {
		return nil
	}
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return p.truncated("<RenderingInfo>")
		case tokEnd:
			return nil
		case tokStart:
			name := p.name
			idx := -1
			switch string(localName(name)) {
			case "Message":
				a, err := p.textOf(name)
				if err != nil {
					return err
				}
				p.rendRefs[rendMessage] = p.keepValue(a)
				continue
			case "Keywords":
				if err := p.renderedKeywords(); err != nil {
					return err
				}
				continue
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
				if err := p.skip(); err != nil {
					return err
				}
				continue
			}
			a, err := p.textOf(name)
			if err != nil {
				return err
			}
			p.rendRefs[idx] = p.keepText(a)
		}
	}
}

// renderedKeywords parses <Keywords><Keyword>Audit Success</Keyword>...;
// each keyword counts against MaxFields.
func (p *parser) renderedKeywords() error {
	if p.selfClose {
		return nil
	}
	for {
		k, err := p.next()
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return p.truncated("<Keywords>")
		case tokEnd:
			return nil
		case tokStart:
			if string(localName(p.name)) != "Keyword" {
				if err := p.skip(); err != nil {
					return err
				}
				continue
			}
			if err := p.countField(p.tokOff); err != nil {
				return err
			}
			a, err := p.textOf(p.name)
			if err != nil {
				return err
			}
			p.keywords = append(p.keywords, p.keepText(a))
		}
	}
}
