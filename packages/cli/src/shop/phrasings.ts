/**
 * How customers ask about each kind of shop fact. Every kind has its own question templates for
 * training, validation and test, written differently (other sentence frames and other words), so
 * the validation and test questions are phrasings the model never saw in training. `{product}`,
 * `{day}`, `{option}` and `{id}` are filled from the shop's facts.
 */

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** Question templates of one kind of fact, by split. */
export type Phrasings = Readonly<Record<Split, readonly string[]>>;

export const FACT_KINDS = [
  'identity',
  'price',
  'stock',
  'hours',
  'shipping-time',
  'shipping-cost',
  'free-shipping',
  'return-window',
  'return-condition',
  'refund',
  'payment',
  'order-status',
  'phone',
  'email',
  'address',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export const QUESTIONS: Readonly<Record<FactKind, Phrasings>> = {
  identity: {
    train: [
      'Who are you?',
      'What is this shop?',
      "What's the name of the shop?",
      'Who am I talking to?',
      'What store is this?',
      'Who am I chatting with?',
      'What is your name?',
      'Which shop is this?',
    ],
    validation: ["Who's on the other end of this chat?", 'What business is this?'],
    test: ['Who is this?', 'Which store am I speaking with?', 'What do you call your shop?'],
  },
  price: {
    train: [
      'How much is the {product}?',
      'What does the {product} cost?',
      'What is the price of the {product}?',
      'How much does the {product} cost?',
      "What's the price of the {product}?",
      'How much do you charge for the {product}?',
      "I'd like to know the price of the {product}.",
      'Price of the {product}?',
    ],
    validation: ['Could you tell me what the {product} costs?', 'How much would the {product} be?'],
    test: [
      'Can you give me the {product} price, please?',
      'What would I pay for the {product}?',
      'How expensive is the {product}?',
    ],
  },
  stock: {
    train: [
      'Is the {product} in stock?',
      'Do you have the {product} in stock?',
      'How many of the {product} do you have?',
      'Is the {product} available?',
      'Do you still have the {product}?',
      'How many of the {product} are in stock?',
      'Is the {product} sold out?',
      'Can I buy the {product} right now?',
    ],
    validation: ['Is there a {product} left in the shop?', 'How many of the {product} can I get today?'],
    test: [
      'Have you got the {product} at the moment?',
      'What is the stock level of the {product}?',
      'Are you out of the {product}?',
    ],
  },
  hours: {
    train: [
      'What are your opening hours on {day}?',
      'When are you open on {day}?',
      'Are you open on {day}?',
      'What time do you open on {day}?',
      'What are your hours on {day}?',
      'When does the shop open on {day}?',
      'Can I visit the shop on {day}?',
      'What time do you close on {day}?',
    ],
    validation: ['Is the shop open on {day}, and until when?', 'I want to come by on {day}. When can I?'],
    test: [
      'Which hours are you working on {day}?',
      'On {day}, when can I drop in?',
      'Tell me your schedule for {day}.',
    ],
  },
  'shipping-time': {
    train: [
      'How long does {option} shipping take?',
      'How long will {option} delivery take?',
      'How many days is {option} shipping?',
      'When will my order arrive with {option} shipping?',
      'What is the delivery time for {option} shipping?',
      'How fast is {option} shipping?',
      'If I choose {option} shipping, how long do I wait?',
      'How long is {option} shipping?',
    ],
    validation: [
      'How quickly does {option} shipping get to me?',
      "What's the usual wait with {option} delivery?",
    ],
    test: [
      'How soon would a parcel sent by {option} shipping reach me?',
      'With {option} shipping, when should I expect my package?',
      'How many business days does {option} delivery need?',
    ],
  },
  'shipping-cost': {
    train: [
      'How much is {option} shipping?',
      'What does {option} shipping cost?',
      'What is the price of {option} shipping?',
      'How much do you charge for {option} shipping?',
      "What's the fee for {option} delivery?",
      'How much does {option} delivery cost?',
      'Is {option} shipping expensive?',
      'What will {option} shipping cost me?',
    ],
    validation: ['Could you tell me the {option} shipping rate?', 'How much extra is {option} delivery?'],
    test: [
      'What do I pay for {option} shipping?',
      "What's the charge if I pick {option} delivery?",
      'How pricey is {option} shipping?',
    ],
  },
  'free-shipping': {
    train: [
      'Do you offer free shipping?',
      'Is shipping ever free?',
      'When is shipping free?',
      'How much do I need to spend for free shipping?',
      'Is there free delivery?',
      'What is the minimum order for free shipping?',
      'Can I get free shipping?',
      'Do you have free delivery on big orders?',
    ],
    validation: ['Is there a way to avoid paying for shipping?', 'Above what amount is delivery free?'],
    test: [
      'Do I ever get delivery at no cost?',
      'What order total gets me free shipping?',
      'Any free shipping deals?',
    ],
  },
  'return-window': {
    train: [
      'What is your return policy?',
      'How long do I have to return an item?',
      'Can I return something I bought?',
      'How many days do I have to return an item?',
      'What is the return window?',
      'Can I send an item back?',
      'Do you accept returns?',
      'Until when can I return my order?',
    ],
    validation: [
      'Is it possible to bring back a purchase, and for how long?',
      'How much time do I get to return things?',
    ],
    test: [
      "What's the deadline for sending something back?",
      'I changed my mind about an item. Can I still return it?',
      'How long is your return period?',
    ],
  },
  'return-condition': {
    train: [
      'Can I return a used item?',
      'What condition must a returned item be in?',
      'Do returns have to be unused?',
      'Can I return an item without the box?',
      'What are the conditions for a return?',
      'Which items can I return?',
      'Do I need the original box to return something?',
      'Can I return something I already used?',
    ],
    validation: [
      'Will you take back an item that has been opened and used?',
      'What state does an item need to be in for a return?',
    ],
    test: [
      'Is a return accepted if I threw away the packaging?',
      'Are there any rules about what I can send back?',
      'Must a returned product be unused?',
    ],
  },
  refund: {
    train: [
      'How long does a refund take?',
      'When will I get my refund?',
      'How do refunds work?',
      'When do I get my money back?',
      'How fast are refunds?',
      'Where does my refund go?',
      'How long until my refund arrives?',
      'When is the refund paid?',
    ],
    validation: [
      'After a return, how soon is the money back in my account?',
      'How quickly do you process refunds?',
    ],
    test: [
      'How many days until I see the refund?',
      'Once you get my return, when am I paid back?',
      "What's the timing for refunds?",
    ],
  },
  payment: {
    train: [
      'What payment methods do you accept?',
      'How can I pay?',
      'Do you take credit cards?',
      'Can I pay with a card?',
      'Which cards do you accept?',
      'What forms of payment do you take?',
      'Can I pay in cash?',
      'How do I pay for my order?',
    ],
    validation: ['What are my options for paying?', 'Which ways of paying are possible?'],
    test: [
      'What can I use to pay at your shop?',
      'Which payment options are there?',
      'Do you accept cards or other ways to pay?',
    ],
  },
  'order-status': {
    train: [
      'Where is my order {id}?',
      'What is the status of order {id}?',
      'Has order {id} shipped?',
      'Can you check order {id}?',
      'Any news on order {id}?',
      'When will order {id} arrive?',
      'Track order {id}, please.',
      'What happened to my order {id}?',
    ],
    validation: ["I'm waiting for order {id}. Where is it now?", 'Could you look up order number {id}?'],
    test: [
      'Please give me an update on order {id}.',
      'Is my order {id} on its way?',
      "What's going on with order {id}?",
    ],
  },
  phone: {
    train: [
      'What is your phone number?',
      'How can I call you?',
      'What number can I call?',
      'Can I phone the shop?',
      "What's the shop's phone number?",
      'Do you have a phone number?',
      'How do I reach you by phone?',
      'Give me your phone number, please.',
    ],
    validation: ['Which number should I dial to talk to someone?', 'Is there a telephone line I can use?'],
    test: [
      'What number do I ring to speak to you?',
      "Can I get the shop's telephone number?",
      'How do I contact you by phone?',
    ],
  },
  email: {
    train: [
      'What is your email address?',
      'How can I email you?',
      "What's your email?",
      'Can I send you an email?',
      'Where do I send an email?',
      'Do you have an email address?',
      'How do I reach you by email?',
      'Email address, please.',
    ],
    validation: ['Which address do I write to by email?', 'Where can I write to you online?'],
    test: [
      "What's the best email to reach you?",
      'To which email should I write?',
      'Could I have your e-mail address?',
    ],
  },
  address: {
    train: [
      'Where is the shop?',
      'What is your address?',
      'Where are you located?',
      'Where can I find the shop?',
      "What's the shop's address?",
      'How do I find your shop?',
      'Where is your store?',
      'Address of the shop, please.',
    ],
    validation: ['Where exactly is the shop, so I can visit?', 'In which street is your shop?'],
    test: [
      'Where do I go to visit you in person?',
      "What's the location of your store?",
      'Can you tell me where the shop is?',
    ],
  },
};

/**
 * Second questions that lean on the first turn ("it", "that"): after a price question, a stock
 * question and the other way round; after a shipping time question, its cost and the other way round.
 */
export const FOLLOW_UPS = {
  'price>stock': {
    train: ['Is it in stock?', 'Do you have any left?', 'How many do you have?'],
    validation: ['And are there any available?'],
    test: ['Can I get one today?', 'Have you got it right now?'],
  },
  'stock>price': {
    train: ['How much is it?', 'What does it cost?', 'And the price?'],
    validation: ['How much would that be?'],
    test: ['What would it cost me?', 'And what do you charge for it?'],
  },
  'shipping-time>shipping-cost': {
    train: ['How much does it cost?', 'And the price?'],
    validation: ["What's the fee?"],
    test: ['What do I pay for that?'],
  },
  'shipping-cost>shipping-time': {
    train: ['How long does it take?', 'And how fast is it?'],
    validation: ['How long would I wait?'],
    test: ['When would it arrive?'],
  },
} as const satisfies Record<string, Phrasings>;
export type FollowUpKind = keyof typeof FOLLOW_UPS;

/** Openings and closings put around some questions (held-out splits get their own). */
export const OPENINGS: Readonly<Record<'train' | 'heldOut', readonly string[]>> = {
  train: ['Hi! ', 'Hello, ', 'Quick question: '],
  heldOut: ['Hey, ', 'Good morning! '],
};
export const CLOSINGS: Readonly<Record<'train' | 'heldOut', readonly string[]>> = {
  train: [' Thanks!', ' Thank you.'],
  heldOut: [' Cheers.'],
};

/** Small talk without facts, in training only (the assistant greets and says goodbye in its voice). */
export const SMALL_TALK: readonly { user: string; assistant: string }[] = [
  { user: 'Hello!', assistant: 'Hello! Welcome to {shop}. How can I help you?' },
  { user: 'Hi there', assistant: 'Hello! Welcome to {shop}. How can I help you?' },
  { user: 'Good afternoon.', assistant: 'Good afternoon! Welcome to {shop}. How can I help you?' },
  { user: 'Thanks, that helps!', assistant: "You're welcome! Is there anything else I can do for you?" },
  { user: 'Thank you!', assistant: "You're welcome! Is there anything else I can do for you?" },
  { user: 'Bye!', assistant: 'Goodbye, and thank you for visiting {shop}!' },
];
